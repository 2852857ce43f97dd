// An SMTP sink for bench/broadcast.ts, run in a process of its own (child_process.fork) so that receiving
// mail does not compete with the measured code's event loop. It accepts every message, keeps nothing but
// counts — messages, bytes and distinct recipients, per recipient domain — and answers over IPC:
//   parent → { type: 'stats', id }   child → { type: 'stats', id, domains: { [domain]: { messages, recipients, bytes } } }
// It starts with { type: 'ready', port } and exits when the parent disconnects (or dies).
import { SMTPServer } from 'smtp-server';

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
    stream.on('data', (chunk) => (bytes += chunk.length));
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
      callback();
    });
  },
});

// Answer each command at once (the sink's own replies never wait for Nagle).
server.server.on('connection', (socket) => socket.setNoDelay(true));
server.on('error', (err) => console.error(`[smtp-sink] ${err.message}`));

process.on('message', (msg) => {
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
