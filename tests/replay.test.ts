// Recorded histories of every workflow must replay on today's code: a change that breaks determinism
// (a removed timer, a reordered activity) fails here, before it reaches journeys in flight.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Already installed in this process.
}

const dir = new URL('./histories/', import.meta.url);
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, history: historyFromJSON(JSON.parse(readFileSync(new URL(file, dir), 'utf8'))) }));

async function replay(workflowBundle: { code: string } | { codePath: string }) {
  const results = [];
  const iterable = histories.map(({ file, history }) => ({ workflowId: file, history }));
  for await (const result of Worker.runReplayHistories({ workflowBundle }, iterable)) results.push(result);
  return results;
}

describe('workflow replay', () => {
  it('has recorded histories of every workflow and its outcomes', () => {
    expect(histories.map((h) => h.file).sort()).toEqual([
      'activation-activated.json',
      'activation-completed.json',
      'activation-configured-completed.json',
      'birthday-configured-greeting.json',
      'birthday-greeting.json',
      'birthday-removed.json',
      'campaign-auto-winner.json',
      'campaign-cancelled.json',
      'campaign-completed.json',
      'campaign-continued.json',
      'campaign-paused.json',
      'campaign-quiet-hours.json',
      'campaign-simulation.json',
      'cart-recovery-completed.json',
      'cart-recovery-configured-completed.json',
      'cart-recovery-purchased.json',
      'cart-recovery-quiet-hours.json',
      'cart-recovery-touch-completed.json',
      'cart-recovery-updated.json',
      'churn-sweep.json',
      'churn-win-back-completed.json',
      'churn-win-back-configured-reactivated.json',
      'churn-win-back-reactivated.json',
      'flow-completed.json',
      'flow-continued.json',
      'flow-exited.json',
      'flow-timed-out.json',
      'holiday-campaign-run.json',
      'insights-refresh.json',
      'recommendations-refresh.json',
      'segments-refresh-continued.json',
      'segments-refresh.json',
      'social-post-published.json',
      'tier-upgrade-configured-upgraded.json',
      'tier-upgrade-continued.json',
      'tier-upgrade-upgraded.json',
      'welcome-completed.json',
      'welcome-configured-completed.json',
      'welcome-no-email.json',
      'welcome-touch-completed.json',
      'welcome-unsubscribed.json',
    ]);
  });

  it('replays every recorded history on the current workflow code', async () => {
    const results = await replay({ codePath: inject('workflowBundlePath') });
    expect(results.map((r) => [r.workflowId, r.error?.message ?? null])).toEqual(histories.map((h) => [h.file, null]));
  });

  it('catches a workflow change that would break runs in flight', async () => {
    const changed = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./fixtures/changed-welcome.ts', import.meta.url)),
      logger: new DefaultLogger('ERROR'),
    });
    const results = await replay(changed);
    const completed = results.find((r) => r.workflowId === 'welcome-completed.json');
    expect(completed?.error?.name).toBe('DeterminismViolationError');
  });
});
