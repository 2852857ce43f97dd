// The fault suite's SMTP server, in a process of its own (child_process.fork), so that it keeps counting
// while everything else is killed and restarted. It counts, per recipient, every message it accepted (the
// end of DATA answered 250) and can be told over IPC to misbehave:
//   { type: 'refuse', on: true }   stop listening and drop every connection (senders get ECONNREFUSED)
//   { type: 'refuse', on: false }  listen again on the same port
//   { type: 'rules', permanent, transient }  recipients matching `permanent` (a regex source) get 550 at
//       RCPT TO, for good; those matching `transient` get 451 at the end of DATA on their first try (the
//       message is not kept) and are accepted after that
//   { type: 'stats', id }  → { type: 'stats', id, counts: { [recipient]: n }, accepted, refusedAnswers }
//   { type: 'first-after', id, at }  → { type: 'first-after', id, at: ms of the first acceptance after `at`, or null }
// It starts with { type: 'ready', port } and exits when the parent disconnects.
import { SMTPServer } from 'smtp-server';

const port = Number(process.env.FAULTS_SMTP_PORT);
/** recipient → messages accepted */
const counts = new Map();
/** recipient → tries answered 451 */
const tempFailed = new Map();
/** Epoch ms of each acceptance, in order. */
const acceptedAt = [];
let answered4xx = 0;
let answered5xx = 0;
let permanent = null;
let transient = null;
const sockets = new Set();

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  disableReverseLookup: true,
  logger: false,
  closeTimeout: 200,
  size: 10 * 1024 * 1024,
  onRcptTo(address, _session, callback) {
    if (permanent?.test(address.address)) {
      answered5xx++;
      const err = new Error('5.1.1 no such mailbox here');
      err.responseCode = 550;
      return callback(err);
    }
    callback();
  },
  onData(stream, session, callback) {
    stream.resume();
    stream.on('error', callback);
    stream.on('end', () => {
      // A message whose sender dropped the connection before the end of DATA never reaches this point.
      if (stream.sizeExceeded) return callback(new Error('too big'));
      const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
      if (to.some((a) => transient?.test(a) && !tempFailed.has(a))) {
        for (const a of to) tempFailed.set(a, (tempFailed.get(a) ?? 0) + 1);
        answered4xx++;
        const err = new Error('4.3.0 try again later');
        err.responseCode = 451;
        return callback(err);
      }
      for (const a of to) counts.set(a, (counts.get(a) ?? 0) + 1);
      acceptedAt.push(Date.now());
      callback();
    });
  },
});
server.server.on('connection', (socket) => {
  socket.setNoDelay(true);
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
});
server.on('error', (err) => console.error(`[smtp-sink] ${err.message}`));

const listen = () =>
  new Promise((resolve, reject) => {
    server.server.once('error', reject);
    server.server.listen(port, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });

process.on('message', async (msg) => {
  if (msg?.type === 'refuse') {
    if (msg.on) {
      await new Promise((resolve) => {
        server.server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    } else {
      await listen();
    }
    process.send?.({ type: 'refuse', id: msg.id });
  } else if (msg?.type === 'rules') {
    permanent = msg.permanent ? new RegExp(msg.permanent, 'i') : null;
    transient = msg.transient ? new RegExp(msg.transient, 'i') : null;
    process.send?.({ type: 'rules', id: msg.id });
  } else if (msg?.type === 'stats') {
    process.send?.({
      type: 'stats',
      id: msg.id,
      counts: Object.fromEntries(counts),
      accepted: acceptedAt.length,
      answered4xx,
      answered5xx,
    });
  } else if (msg?.type === 'first-after') {
    process.send?.({ type: 'first-after', id: msg.id, at: acceptedAt.find((t) => t > msg.at) ?? null });
  }
});

process.on('disconnect', () => process.exit(0));

await listen();
process.send?.({ type: 'ready', port });
