import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { trackEmail } from '../domain/email-tracking.js';
import type { ChannelAdapter } from './channel.js';

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
    // Loopback capture servers and in-cluster mail catchers have no certificate worth checking.
    tls: { rejectUnauthorized: url.searchParams.get('tls_verify') !== 'false' && !isLoopback(url.hostname) },
    ignoreTLS: url.searchParams.get('starttls') === 'false',
    getSocket: (opts: { host?: string; port?: number }, callback: (err: Error | null, socket?: { connection: Socket }) => void) =>
      openNoDelay(opts.host ?? url.hostname, Number(opts.port), callback),
  } as nodemailer.TransportOptions);
  const domainOf = (from: string) => from.match(/@([^>\s]+)/)?.[1] ?? 'touchpoint.localhost';

  return {
    name: 'email',
    // Where mail goes, without any credentials the SMTP URL holds.
    url: `${url.protocol}//${url.host}`,
    suppression: 'email',
    address: (customer) => (customer.email ? { to: customer.email } : { skip: 'no_email_address' }),
    // Variables in the HTML part are escaped; subject and text go out as they render.
    format: (part) => (part === 'html' ? 'html' : 'text'),
    stored: (content) => ({ subject: content.subject ?? null, bodyText: content.text ?? null, bodyHtml: content.html ?? null }),
    /**
     * One email: tracked when asked (every link a signed redirect naming the message row, an open pixel,
     * List-Unsubscribe headers), its Message-ID derived from the idempotency key, so a resend of the same
     * touch carries the same id; sent from `from` when given (a workspace's mail_from). A 5xx answer
     * (unknown mailbox, refused content) is a rejection.
     */
    async send(message, { messageId: rowId, tracking, from = options.from }) {
      const { subject = '', html = '', text = '' } = message.content;
      const tracked = tracking ? trackEmail(html, rowId, tracking) : null;
      const messageId = `<${createHash('sha256').update(message.idempotency_key).digest('hex').slice(0, 32)}@${domainOf(from)}>`;
      try {
        const info = await transport.sendMail({
          from,
          to: message.to,
          subject,
          html: tracked?.html ?? html,
          text,
          messageId,
          headers: tracked?.headers,
        });
        return {
          outcome: 'sent',
          providerMessageId: info.messageId,
          response: { smtp: info.response },
          html: tracked?.html ?? html,
          links: tracked?.links ?? null,
        };
      } catch (err) {
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
