// The email channel's fence when the SMTP server goes away in the middle of a message (an outage, a
// restart): the send fails and the process lives on; the fence's write is over before the send returns (so
// the caller's next write cannot be overtaken by it); nodemailer never sends the message again on another
// connection by itself.
import { AsyncLocalStorage } from 'node:async_hooks';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OutgoingMessage } from '../src/channels/channel.js';
import { createEmailChannel } from '../src/channels/email.js';

let server: SMTPServer;
let port = 0;
/** What the test wants done with the next message's DATA: accept it, or drop the connection mid-way. */
let mode: 'accept' | 'drop' | 'defer' = 'accept';
let accepted = 0;
let dropped: () => void = () => {};

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, callback) {
      if (mode === 'drop') {
        // The server goes away while the message is on the wire, before its end.
        stream.once('data', () => {
          server.connections.forEach((c) => (c as unknown as { _socket: { destroy(): void } })._socket.destroy());
          dropped();
        });
        stream.resume();
        return;
      }
      stream.resume();
      stream.on('end', () => {
        // A server that answers the end of DATA with "try again later" has not taken the message.
        if (mode === 'defer') return callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
        accepted++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const message = (key: string): OutgoingMessage => ({
  channel: 'email',
  to: 'ada@example.com',
  customer_id: 'ada',
  idempotency_key: key,
  content: { subject: 'Hi', text: 'Hello' },
  source: { journey: 'test', version: null, step: 'hello', workflow_id: 'test/ada' },
});

it('fails a send whose connection dropped while its fence was deciding, waits for the fence, and lives on', async () => {
  const email = createEmailChannel({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Touchpoint <hello@touchpoint.test>', poolSize: 1 });
  try {
    mode = 'drop';
    const gone = new Promise<void>((resolve) => (dropped = resolve));
    const order: string[] = [];
    let commits = 0;
    // The fence answers only after the connection is gone, and says no (another attempt took the message
    // over meanwhile): the message's stream then fails on a connection that already failed.
    const commit = async () => {
      commits++;
      order.push('fence asked');
      await gone;
      await new Promise((r) => setTimeout(r, 50));
      order.push('fence answered');
      return false;
    };
    await expect(email.send(message('drop-1'), { messageId: 'row-1', commit })).rejects.toThrow();
    order.push('send failed');
    expect(order).toEqual(['fence asked', 'fence answered', 'send failed']);
    // Sent once, never again on a new connection by nodemailer itself.
    expect(commits).toBe(1);
    expect(accepted).toBe(0);

    // The pool (and the process) still work: the next message goes out.
    mode = 'accept';
    const sent = await email.send(message('after-1'), { messageId: 'row-2', commit: async () => true });
    expect(sent.outcome).toBe('sent');
    expect(accepted).toBe(1);
  } finally {
    email.close();
  }
});

it("runs each send's fence in that send's async context, not in that of the send that opened the pooled connection", async () => {
  const email = createEmailChannel({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Touchpoint <hello@touchpoint.test>', poolSize: 1 });
  const context = new AsyncLocalStorage<string>();
  const seen: Array<string | undefined> = [];
  const commit = async () => {
    seen.push(context.getStore());
    return true;
  };
  try {
    mode = 'accept';
    // One connection carries both: the first send opens it (in context "a"), the second reuses it.
    await context.run('a', () => email.send(message('ctx-a'), { messageId: 'row-a', commit }));
    await context.run('b', () => email.send(message('ctx-b'), { messageId: 'row-b', commit }));
    await Promise.all(['c', 'd'].map((w) => context.run(w, () => email.send(message(`ctx-${w}`), { messageId: `row-${w}`, commit }))));
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
  } finally {
    email.close();
  }
});

it('fails a send (to be retried) whose end of DATA the server answered with a 4xx: it has not taken it', async () => {
  const email = createEmailChannel({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Touchpoint <hello@touchpoint.test>', poolSize: 1 });
  try {
    mode = 'defer';
    await expect(email.send(message('defer-1'), { messageId: 'row-d', commit: async () => true })).rejects.toMatchObject({
      responseCode: 451,
    });
  } finally {
    mode = 'accept';
    email.close();
  }
});
