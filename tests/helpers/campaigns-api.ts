// What the campaign API tests share: a stack with an HTTP provider for push and WeChat, and short calls to
// the campaign routes. Each test file starts its own (`useCampaignStack()` in its top level).
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import { campaignWorkflowId } from '../../src/temporal/workflow-ids.js';
import type { CampaignProgress } from '../../src/campaigns/campaign.workflow.js';
import type { CampaignView } from '../../src/campaigns/views.js';
import { messages } from '../../src/db/schema.js';
import { seedAudience } from './audience.js';
import { type ProviderServer, startProvider } from './http-provider.js';
import { type Stack, startStack, uid } from './stack.js';

export const BASE = '/api/marketing/campaigns';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const HOUR = 3_600_000;
export const at = (fromNowMs: number) => new Date(Date.now() + fromNowMs).toISOString();

/** Starts the stack before the file's tests and stops it after; the returned calls use it. */
export function useCampaignStack() {
  let stack!: Stack;
  let provider!: ProviderServer;
  beforeAll(async () => {
    provider = await startProvider();
    // Batches of 5: a broadcast at 1 message a second is cancelled between batches, long before it is done.
    stack = await startStack({
      timeSkipping: false,
      providers: { pushUrl: `${provider.url}/push`, wechatUrl: `${provider.url}/wechat` },
      campaigns: { batchSize: 5 },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await provider?.close();
  });

  const audience = (n: number, extra?: Parameters<typeof seedAudience>[2]) => seedAudience(stack.database.db, n, extra);

  /** A campaign the API accepted (201); by default an email draft to a tag nobody has. */
  async function create(body: Record<string, unknown>, headers?: Record<string, string>): Promise<CampaignView> {
    const res = await stack.api(
      'POST',
      BASE,
      { name: uid('campaign'), type: 'email', target_tags: [uid('nobody')], content: 'Hi {{ customer.first_name }}', ...body },
      headers,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  const post = (id: string, action: string, body?: unknown) => stack.api('POST', `${BASE}/${id}/${action}`, body);
  const result = (id: string, executionId: string) =>
    stack.client.workflow.getHandle(campaignWorkflowId(id, executionId)).result() as Promise<CampaignProgress>;

  /** An actual execution started by the API, run to its end. */
  async function runActual(id: string): Promise<{ executionId: string; done: CampaignProgress }> {
    const trig = await post(id, 'trigger', { execution_type: 'actual' });
    expect(trig.status, JSON.stringify(trig.body)).toBe(202);
    return { executionId: trig.body.execution_id, done: await result(id, trig.body.execution_id) };
  }

  return {
    get stack() {
      return stack;
    },
    get provider() {
      return provider;
    },
    audience,
    create,
    get: async (id: string) => (await stack.api('GET', `${BASE}/${id}`)).body as CampaignView,
    put: (id: string, body: unknown, headers?: Record<string, string>) => stack.api('PUT', `${BASE}/${id}`, body, headers),
    post,
    progress: async (id: string, executionId?: string) =>
      (await stack.api('GET', `${BASE}/${id}/status${executionId ? `?execution_id=${executionId}` : ''}`)).body
        .execution as CampaignProgress | null,
    result,
    list: (query: string) => stack.api('GET', `${BASE}?${query}`),
    records: (query: string) => stack.api('GET', `/api/marketing/records?${query}`),
    runActual,
    recordCount: async (campaignId: string) =>
      (
        await stack.database.db
          .select({ n: sql<number>`count(*)::int` })
          .from(messages)
          .where(eq(messages.campaignId, campaignId))
      )[0]!.n,
  };
}
