import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';

export interface EmailMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Stable across retries, so a receiving system can recognise a resend of the same touch. */
  idempotencyKey: string;
  headers?: Record<string, string>;
}

export interface EmailResult {
  providerMessageId: string;
  response: string;
}

export interface EmailChannel {
  send(message: EmailMessage): Promise<EmailResult>;
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
  });
  const domain = options.from.match(/@([^>\s]+)/)?.[1] ?? 'touchpoint.localhost';

  return {
    async send(message) {
      const messageId = `<${createHash('sha256').update(message.idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
      const info = await transport.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        html: message.html,
        text: message.text,
        messageId,
        headers: message.headers,
      });
      return { providerMessageId: info.messageId, response: info.response };
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';
}
