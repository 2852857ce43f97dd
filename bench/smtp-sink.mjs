// An SMTP sink for bench/broadcast.ts, run in a process of its own (child_process.fork) so that receiving
// mail does not compete with the measured code's event loop. It accepts every message, keeps nothing but
// counts — messages, bytes and distinct recipients, per recipient domain — and answers over IPC:
//   parent → { type: 'stats', id }   child → { type: 'stats', id, domains: { [domain]: { messages, recipients, bytes } } }
// With `--recipients` (bench/journeys.ts) it also keeps, per address of each message's To header, how many
// messages came and when the first one was received (ms since the epoch, from performance.timeOrigin, so
// the parent's clock compares to the sub-millisecond):
//   parent → { type: 'recipients', id, suffix }   child → { type: 'recipients', id, list: [[address, count, firstAt, lastAt]] }
//   parent → { type: 'recipientCount', id, suffix }   child → { type: 'recipientCount', id, distinct, messages, lastFirstAt }
// It starts with { type: 'ready', port } and exits when the parent disconnects (or dies).
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';

const perRecipient = process.argv.includes('--recipients');
/** @type {Map<string, { count: number, firstAt: number, lastAt: number }>} by the To header's address, lower-cased */
const recipients = new Map();
const now = () => performance.timeOrigin + performance.now();

/** The address of a message's To header (its first one), from the header block; '' when there is none. */
function toHeader(head) {
  const end = head.indexOf('\r\n\r\n');
  const block = (end < 0 ? head : head.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  const value = /^to:[ \t]*(.*)$/im.exec(block)?.[1] ?? '';
  const address = /<([^>]+)>/.exec(value)?.[1] ?? value.split(',')[0] ?? '';
  return address.trim().toLowerCase();
}

/** @type {Map<string, { messages: number, bytes: number, recipients: Set<string> }>} */
const domains = new Map();
const tally = (domain) => {
  let t = domains.get(domain);
  if (!t) domains.set(domain, (t = { messages: 0, bytes: 0, recipients: new Set() }));
  return t;
};

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  // A reverse DNS lookup per connection and a log line per command would be the sink's own cost, not the sender's.
  disableReverseLookup: true,
  logger: false,
  closeTimeout: 500,
  size: 10 * 1024 * 1024,
  onData(stream, session, callback) {
    let bytes = 0;
    let head = '';
    stream.on('data', (chunk) => {
      bytes += chunk.length;
      if (perRecipient && head.length < 65536 && !head.includes('\r\n\r\n')) head += chunk.toString('latin1');
    });
    stream.on('error', callback);
    stream.on('end', () => {
      // One message per envelope recipient: every sender here addresses one recipient per message.
      for (const { address } of session.envelope.rcptTo) {
        const at = address.lastIndexOf('@');
        const t = tally(at < 0 ? '' : address.slice(at + 1).toLowerCase());
        t.messages++;
        t.bytes += bytes;
        t.recipients.add(address.toLowerCase());
      }
      if (perRecipient) {
        const at = now();
        const to = toHeader(head);
        const r = recipients.get(to);
        if (r) {
          r.count++;
          r.lastAt = at;
        } else recipients.set(to, { count: 1, firstAt: at, lastAt: at });
      }
      callback();
    });
  },
});

// Answer each command at once (the sink's own replies never wait for Nagle).
server.server.on('connection', (socket) => socket.setNoDelay(true));
server.on('error', (err) => console.error(`[smtp-sink] ${err.message}`));

process.on('message', (msg) => {
  if (msg?.type === 'recipients') {
    const list = [];
    for (const [address, r] of recipients) if (address.endsWith(msg.suffix)) list.push([address, r.count, r.firstAt, r.lastAt]);
    process.send?.({ type: 'recipients', id: msg.id, list });
    return;
  }
  if (msg?.type === 'recipientCount') {
    let distinct = 0;
    let messages = 0;
    let lastFirstAt = 0;
    for (const [address, r] of recipients) {
      if (!address.endsWith(msg.suffix)) continue;
      distinct++;
      messages += r.count;
      lastFirstAt = Math.max(lastFirstAt, r.firstAt);
    }
    process.send?.({ type: 'recipientCount', id: msg.id, distinct, messages, lastFirstAt });
    return;
  }
  if (msg?.type !== 'stats') return;
  const out = {};
  for (const [domain, t] of domains) out[domain] = { messages: t.messages, recipients: t.recipients.size, bytes: t.bytes };
  process.send?.({ type: 'stats', id: msg.id, domains: out });
});

// The parent went away (ended, crashed or was killed): nothing left to serve.
process.on('disconnect', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});

server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: server.server.address().port });
});
