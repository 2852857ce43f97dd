// A real SMTP server on loopback whose gate the test closes: while closed, a client's RCPT TO gets no
// answer, so a sender blocks mid-message and nothing it tries is received. Used to stop a worker at a known
// point (every message before the gate fully received, none after) before killing it. It can also drop a
// connection at a message's end, before its answer, as a server going away does: without its 250 the
// server has not taken the message (RFC 5321 §4.1.1.4) and keeps nothing.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpGate {
  url: string;
  /** Recipients of every message received in full, in order (a resend appears twice). */
  received: string[];
  /** Recipients let through before the gate closes by itself (Infinity: never). */
  closeAfter(n: number): void;
  open(): void;
  /** Senders waiting at the closed gate. */
  waiting(): number;
  /** The next `n` messages are read to their end, then their connection is dropped unanswered and they are not kept. */
  dropAtEnd(n: number): void;
  close(): Promise<void>;
}

export async function startSmtpGate(): Promise<SmtpGate> {
  const received: string[] = [];
  let limit = Infinity;
  let held: Array<() => void> = [];
  /** Recipients let through the gate (received in full soon after). */
  let admitted = 0;
  let drops = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 500,
    onRcptTo(_address, _session, callback) {
      if (admitted < limit) {
        admitted++;
        return callback();
      }
      held.push(() => {
        admitted++;
        callback();
      });
    },
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        if (drops > 0) {
          drops--;
          for (const c of server.connections) {
            const connection = c as unknown as { id: string; _socket: { destroy(): void } };
            if (connection.id === session.id) connection._socket.destroy();
          }
          return;
        }
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    received,
    closeAfter: (n) => void (limit = n),
    open() {
      limit = Infinity;
      const waiting = held;
      held = [];
      // Answers to senders that died meanwhile go nowhere.
      for (const answer of waiting) {
        try {
          answer();
        } catch {
          // A waiter whose test already ended: nothing to answer.
        }
      }
    },
    waiting: () => held.length,
    dropAtEnd: (n) => void (drops = n),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
