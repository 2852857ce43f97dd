import { AsyncResource } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Transform } from 'node:stream';
import nodemailer from 'nodemailer';
import { trackEmail } from '../domain/email-tracking.js';
import { type ChannelAdapter, FencedOut } from './channel.js';

/** The email channel: a `Channel` (channel.ts) with its SMTP pool's check and close. */
export interface EmailChannel extends ChannelAdapter {
  readonly name: 'email';
  verify(): Promise<void>;
  close(): void;
}

export interface EmailChannelOptions {
  smtpUrl: string;
  from: string;
  poolSize: number;
}

/** Email over SMTP through a pooled nodemailer transport. */
export function createEmailChannel(options: EmailChannelOptions): EmailChannel {
  const url = new URL(options.smtpUrl);
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: options.poolSize,
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    // A hung server must fail the attempt (and let Temporal retry it), not hold the step forever.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // A message whose connection closed while it was being sent fails (the activity's fenced retry decides
    // what happens next); nodemailer would otherwise send it again on another connection by itself.
    maxRequeues: 0,
    // Loopback capture servers and in-cluster mail catchers have no certificate worth checking.
    tls: { rejectUnauthorized: url.searchParams.get('tls_verify') !== 'false' && !isLoopback(url.hostname) },
    ignoreTLS: url.searchParams.get('starttls') === 'false',
    getSocket: (opts: { host?: string; port?: number }, callback: (err: Error | null, socket?: { connection: Socket }) => void) =>
      openNoDelay(opts.host ?? url.hostname, Number(opts.port), callback),
  } as nodemailer.TransportOptions);
  transport.use('stream', holdTheEnd);
  keepPoolErrorsHandled(transport);
  const domainOf = (from: string) => from.match(/@([^>\s]+)/)?.[1] ?? 'touchpoint.localhost';
  const messageIdOf = (idempotencyKey: string, from: string) =>
    `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domainOf(from)}>`;

  return {
    name: 'email',
    // Where mail goes, without any credentials the SMTP URL holds.
    url: `${url.protocol}//${url.host}`,
    suppression: 'email',
    address: (customer) => (customer.email ? { to: customer.email } : { skip: 'no_email_address' }),
    // Variables in the HTML part are escaped; subject and text go out as they render.
    format: (part) => (part === 'html' ? 'html' : 'text'),
    stored: (content) => ({ subject: content.subject ?? null, bodyText: content.text ?? null, bodyHtml: content.html ?? null }),
    plannedId: (message, { from = options.from }) => messageIdOf(message.idempotency_key, from),
    /**
     * One email: tracked when asked (every link a signed redirect naming the message row, an open pixel,
     * List-Unsubscribe headers), its Message-ID derived from the idempotency key, so a resend of the same
     * touch carries the same id; sent from `from` when given (a workspace's mail_from). A 5xx answer
     * (unknown mailbox, refused content) is a rejection. With `commit`, the message's last line (the end
     * of DATA, where the server takes it) waits for it: refused or failed, the connection is dropped before
     * that line and the server discards the message.
     */
    async send(message, { messageId: rowId, tracking, from = options.from, commit }) {
      const { subject = '', html = '', text = '' } = message.content;
      const tracked = tracking ? trackEmail(html, rowId, tracking) : null;
      const messageId = messageIdOf(message.idempotency_key, from);
      // The fence runs from the pooled connection's stream events, in the async context of whichever send
      // opened that connection: bound here, it runs in this send's (its workspace, its activity).
      const fence: Fence | undefined = commit
        ? { commit: AsyncResource.bind(commit), key: message.idempotency_key, running: null }
        : undefined;
      try {
        const mail: nodemailer.SendMailOptions = {
          from,
          to: message.to,
          subject,
          html: tracked?.html ?? html,
          text,
          messageId,
          headers: tracked?.headers,
        };
        const info = (await transport.sendMail(fence ? ({ ...mail, [COMMIT]: fence } as nodemailer.SendMailOptions) : mail)) as {
          response: string;
        };
        return {
          outcome: 'sent',
          providerMessageId: messageId,
          response: { smtp: info.response },
          html: tracked?.html ?? html,
          links: tracked?.links ?? null,
        };
      } catch (err) {
        // The caller's next write (the record, or putting it back to pending) must come after the fence's.
        await fence?.running?.catch(() => {});
        if (isPermanentSmtpError(err)) return { outcome: 'rejected', error: (err as Error).message };
        throw err;
      }
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}

/** Where a send's fence rides along with its mail options, for `holdTheEnd`. */
const COMMIT = 'touchpointCommit';

interface Fence {
  commit: () => Promise<boolean>;
  key: string;
  /** The fence's check once it began: a failed send waits for it before it returns. */
  running: Promise<boolean> | null;
}

/**
 * A nodemailer plugin: a mail sent with a fence has the end of its DATA held until the fence is checked.
 * The fence runs once the message's stream starts flowing to the server (after MAIL FROM and RCPT TO were
 * accepted and DATA begun); the end of DATA — where the server takes the message — follows only if it
 * holds. Refused or failed, the stream fails instead, nodemailer drops the connection without that end,
 * and the server keeps nothing.
 */
function holdTheEnd(mail: { data: object; message: { createReadStream(): NodeJS.ReadableStream } }, done: (err?: Error) => void): void {
  const fence = (mail.data as Record<string, unknown>)[COMMIT] as Fence | undefined;
  if (fence) {
    const original = mail.message.createReadStream.bind(mail.message);
    mail.message.createReadStream = () => {
      const gate = new Transform({
        transform: (chunk, _encoding, callback) => callback(null, chunk),
        flush(callback) {
          const check = () =>
            (fence.running = fence.commit()).then(
              (ok) => callback(ok ? null : new FencedOut(fence.key)),
              (err: Error) => callback(err),
            );
          // Piped into the connection's DATA only once the envelope was accepted: wait for that.
          if (gate.readableFlowing) void check();
          else gate.once('resume', () => void check());
        },
      });
      return original().pipe(gate);
    };
  }
  done();
}

/**
 * nodemailer's pool listens for one 'error' per connection. A message whose stream fails (its fence said
 * no) after its connection had already failed makes that connection emit a second one, which, unheard,
 * would crash the process: every pooled connection gets a listener of its own that drops such repeats
 * (the first error already failed the message it was sending).
 */
function keepPoolErrorsHandled(transport: nodemailer.Transporter): void {
  const pool = (transport as unknown as { transporter: { _createConnection?: () => NodeJS.EventEmitter } }).transporter;
  const create = pool._createConnection?.bind(pool);
  if (!create) throw new Error('nodemailer: the SMTP pool has no _createConnection (a nodemailer upgrade changed it)');
  pool._createConnection = () => {
    const connection = create();
    connection.on('error', () => {});
    return connection;
  };
}

/**
 * The TCP connection nodemailer then speaks SMTP (and TLS) over, with Nagle's algorithm off: nodemailer
 * writes a message's end in small pieces and never sets TCP_NODELAY, so each message waited for a delayed
 * ACK (~40 ms on Linux) and one pooled connection carried about 20 messages a second.
 */
function openNoDelay(host: string, port: number, callback: (err: Error | null, socket?: { connection: Socket }) => void): void {
  const socket = connect({ host, port, noDelay: true });
  // A connection that fails is left to nodemailer: it then connects the usual way and reports the error
  // itself (an error given back from here would leave its pool waiting on a connection that never comes).
  const fail = () => {
    clearTimeout(timer);
    socket.destroy();
    callback(null);
  };
  const timer = setTimeout(fail, 10_000);
  socket.once('error', fail);
  socket.once('connect', () => {
    clearTimeout(timer);
    socket.off('error', fail);
    callback(null, { connection: socket });
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';
}

/** An SMTP answer that will not change on a retry: a 5xx reply (mailbox unknown, message refused). */
function isPermanentSmtpError(err: unknown): boolean {
  const code = (err as { responseCode?: number } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
