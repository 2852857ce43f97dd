// A journey step's own send time (`sendAt` in its configuration) through the real stack, on the
// time-skipping server: when the step comes due it waits for the time of day on the customer's clock — a
// fixed local time, or their best hour — and sends once then.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../src/db/schema.js';
import { defaultJourneyConfigs } from '../src/domain/journey-config.js';
import { localParts } from '../src/domain/local-time.js';
import { statusQuery } from '../src/steps/steps.js';
import { welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: the welcome journey's configuration changes.
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

const DAY = 86_400_000;
const ZONE = 'Asia/Tokyo';
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

describe("a journey step's sendAt", () => {
  it('waits for its local time, or the best hour, on the customer clock and sends once then', async () => {
    // The guide step's time: five hours after its offset would have sent it (never within its due window).
    const start = await stack.env.currentTimeMs();
    const due = localParts(ZONE, start + DAY);
    const guideAt = hhmm(due.hour * 60 + due.minute + 5 * 60);
    const [welcome, guide, coupon] = defaultJourneyConfigs.welcome as [object, object, object];
    const put = await stack.api('PUT', '/api/journeys/welcome', {
      steps: [welcome, { ...guide, sendAt: { localTime: guideAt } }, { ...coupon, sendAt: { bestHour: true } }],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);

    const id = uid('tokyo');
    expect((await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com`, timezone: ZONE })).status).toBe(201);
    // Three earlier opens at 07:xx Tokyo time (22:xx UTC the day before): the best hour is 7.
    await stack.database.db.insert(messages).values(
      ['2026-03-01T22:10:00Z', '2026-03-08T22:40:00Z', '2026-03-15T22:05:00Z'].map((at, i) => ({
        idempotencyKey: uid(`old-${i}`),
        customerId: id,
        stepKey: 'old',
        channel: 'email' as const,
        status: 'opened' as const,
        sentAt: new Date(at),
        openedAt: new Date(at),
      })),
    );
    expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id })).status).toBe(202);
    const handle = stack.client.workflow.getHandle(welcomeWorkflowId(id));
    await waitFor(() => stack.mail.list().some((m) => m.to.includes(`${id}@example.com`)), 'the welcome email');

    // Past the guide's offset: it waits for its local time.
    await stack.env.sleep(DAY + 60_000);
    const waiting = await waitFor(async () => {
      const s = await handle.query(statusQuery);
      return s.currentStep === 'guide' && s.nextWakeUp && Date.parse(s.nextWakeUp) > start + DAY + 60_000 ? s : null;
    }, 'the guide step waiting for its time of day');
    const wake = localParts(ZONE, Date.parse(waiting.nextWakeUp!));
    expect(hhmm(wake.hour * 60 + wake.minute)).toBe(guideAt);

    await stack.env.client.workflow.getHandle(handle.workflowId).result();
    const mail = stack.mail.list().filter((m) => m.to.includes(`${id}@example.com`));
    expect(mail).toHaveLength(3);
    const rows = await stack.database.db.select().from(messages).where(eq(messages.customerId, id));
    const at = (step: string) => {
      const row = rows.find((r) => r.stepKey === step)!;
      expect(row.status).toBe('sent');
      const p = localParts(ZONE, row.createdAt.getTime());
      return hhmm(p.hour * 60 + p.minute);
    };
    expect(at('guide')).toBe(guideAt);
    expect(at('coupon').slice(0, 3)).toBe('07:');
  });

  it('refuses a sendAt that is not a time of day, naming the field', async () => {
    const [welcome, guide, coupon] = defaultJourneyConfigs.welcome as [object, object, object];
    const put = await stack.api('PUT', '/api/journeys/welcome', { steps: [welcome, { ...guide, sendAt: { localTime: '7pm' } }, coupon] });
    expect(put).toMatchObject({ status: 422, body: { error: { field: 'steps[1].sendAt.localTime' } } });
  });
});
