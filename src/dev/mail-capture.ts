import type { AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { log } from '../observability/logger.js';

export interface CapturedMail {
  id: number;
  receivedAt: string;
  from: string;
  to: string[];
  messageId: string | null;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

export interface MailCapture {
  port: number;
  url: string;
  list(): CapturedMail[];
  clear(): void;
  /** Refuses for good (550) the recipients `refused` picks, until it is set again (null: take every one); a test's bounce. */
  refuse(refused: ((address: string) => boolean) | null): void;
  /** Resolves with the first captured mail matching `predicate` (already received or yet to come). */
  waitFor(predicate: (m: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback that keeps what it receives in memory: the embedded default's mail
 * catcher and the tests' SMTP peer. It speaks plain SMTP without authentication.
 */
export async function startMailCapture(options: { port?: number; host?: string; limit?: number } = {}): Promise<MailCapture> {
  const host = options.host ?? '127.0.0.1';
  const limit = options.limit ?? 10_000;
  const mails: CapturedMail[] = [];
  let nextId = 1;
  const waiters = new Set<{ predicate: (m: CapturedMail) => boolean; resolve: (m: CapturedMail) => void }>();
  let refused: ((address: string) => boolean) | null = null;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Clients with pooled connections would otherwise hold close() open for 30 s.
    closeTimeout: 500,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (refused?.(address.address)) return callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', callback);
      stream.on('end', () => {
        PostalMime.parse(Buffer.concat(chunks))
          .then((parsed) => {
            const mail: CapturedMail = {
              id: nextId++,
              receivedAt: new Date().toISOString(),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              messageId: parsed.messageId ?? null,
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: parsed.html ?? '',
              headers: Object.fromEntries(parsed.headers.map((h) => [h.key, h.value])),
            };
            mails.push(mail);
            if (mails.length > limit) mails.shift();
            for (const w of waiters) {
              if (w.predicate(mail)) {
                waiters.delete(w);
                w.resolve(mail);
              }
            }
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  server.on('error', (err) => log.error({ err, component: 'mail-capture' }, 'the mail capture failed'));
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://${host}:${port}`,
    list: () => [...mails],
    clear: () => void mails.splice(0),
    refuse: (pick) => void (refused = pick),
    waitFor(predicate, timeoutMs = 30_000) {
      const found = mails.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve: (m: CapturedMail) => (clearTimeout(timer), resolve(m)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching mail within ${timeoutMs} ms (captured ${mails.length})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
