import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';
import { addCounts, type BroadcastCounts, emptyCounts, leftOverCounts, rateAndEta } from './broadcast-counts.js';
import { JourneyStepKey } from '../temporal/search-attributes.js';

const { beginCampaignExecution, sendCampaignBatch, finishCampaignExecution, nextDeferredCampaignRecords, decideExperimentWinner } =
  proxyActivities<Activities>({
    // A batch at a low rate limit takes minutes; a dead worker is noticed by its missing heartbeats.
    startToCloseTimeout: '30 minutes',
    // The batch heartbeats every second while it runs, however slow a send is.
    heartbeatTimeout: '30 seconds',
    // At most 10 s apart: a broadcast goes on within seconds of an outage's end (SMTP, the database).
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
  });

export type CampaignMode = 'actual' | 'simulation';
export type ExecutionState = 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';
/** Why a broadcast stopped: everyone was reached, end_time came, or it was cancelled. */
export type StopReason = 'audience_done' | 'end_time' | 'cancelled';

export interface CampaignExecutionInput {
  campaignId: string;
  executionId: string;
  mode: CampaignMode;
  /** When to begin (epoch ms); absent or past: at once. */
  startAt?: number;
  /** When to stop sending (epoch ms); absent: never. */
  endAt?: number;
  /** Customers per batch activity. */
  batchSize: number;
  /** Batches a run takes before it continues as new, keeping its history short. */
  batchesPerRun: number;
  /** What a run that continued as new carries on with. */
  carried?: CarriedState;
}

interface CarriedState {
  counts: BroadcastCounts;
  audienceSize: number | null;
  startedAt: number;
  /** The last customer id done; the next batch starts after it. */
  cursor: string | null;
  paused: boolean;
  runs: number;
  /** In the deferred pass (the records that waited out quiet hours), `cursor` being that pass's. */
  deferredPass?: boolean;
  /** An auto-winner experiment: its plan, the pass it is in, and the winner once chosen. */
  experiment?: ExperimentState;
}

/** An auto-winner experiment in an execution: the test sample first, a wait, the winner, then the rest. */
interface ExperimentState {
  experimentId: string;
  waitSeconds: number;
  phase: 'test' | 'rollout';
  winner: string | null;
  /** significant, not_significant_control, srm_control or promoted. */
  reason: string | null;
  /** When the winner is chosen (epoch ms), while the test waits. */
  decidesAt: number | null;
}

/** What GET /api/marketing/campaigns/:id/status shows while a broadcast runs. */
export interface CampaignProgress extends BroadcastCounts {
  campaignId: string;
  executionId: string;
  mode: CampaignMode;
  state: ExecutionState;
  stopReason: StopReason | null;
  audienceSize: number | null;
  startAt: number | null;
  endAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  ratePerSecond: number | null;
  etaSeconds: number | null;
  /** Runs so far (continue-as-new starts the next one). */
  runs: number;
  /** Records waiting for their recipients' quiet hours to end, as last looked up, and when the first may go. */
  deferred: number;
  deferredUntil: number | null;
  /** An auto-winner experiment: its pass, when it chooses (while it waits), and its winner. */
  experiment: ExperimentState | null;
}

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const cancelSignal = defineSignal('cancel');
/** Begin now, whatever start time was set (a manual trigger of a scheduled campaign). */
export const startNowSignal = defineSignal('startNow');
/** New start and end times for a campaign that has not begun (an edit). */
export const rescheduleSignal = defineSignal<[{ startAt?: number; endAt?: number }]>('reschedule');
export const progressQuery = defineQuery<CampaignProgress>('progress');

/**
 * One campaign execution: waits for the start time (if any), then pages through the audience a batch at a
 * time — each batch an activity that claims one record per customer, renders, and sends at the channel's
 * rate — until everyone is reached, end_time comes, or it is cancelled. Pause and resume take effect
 * between batches. The history stays short: every `batchesPerRun` batches it continues as new.
 */
export async function campaignExecution(input: CampaignExecutionInput): Promise<CampaignProgress> {
  const { campaignId, executionId, mode } = input;
  const carried = input.carried;
  const counts = carried?.counts ?? emptyCounts();
  let state: ExecutionState = carried ? (carried.paused ? 'paused' : 'running') : 'scheduled';
  let stopReason: StopReason | null = null;
  let startAt = input.startAt ?? null;
  let endAt = input.endAt ?? null;
  let audienceSize = carried?.audienceSize ?? null;
  let startedAt = carried?.startedAt ?? null;
  let finishedAt: number | null = null;
  let cursor = carried?.cursor ?? null;
  let paused = carried?.paused ?? false;
  let cancelled = false;
  let startNow = false;
  let rescheduled = false;
  let deferredPass = carried?.deferredPass ?? false;
  let deferred = 0;
  let deferredUntil: number | null = null;
  /** `processed` when the last deferred pass began: a pass that changed nothing is not run again at once. */
  let passFrom: number | null = null;
  let experiment: ExperimentState | null = carried?.experiment ?? null;

  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(cancelSignal, () => void (cancelled = true));
  setHandler(startNowSignal, () => void (startNow = true));
  setHandler(rescheduleSignal, (times) => {
    startAt = times.startAt ?? null;
    endAt = times.endAt ?? null;
    rescheduled = true;
  });
  const snapshot = (): CampaignProgress => ({
    campaignId,
    executionId,
    mode,
    state,
    stopReason,
    audienceSize,
    startAt,
    endAt,
    startedAt,
    finishedAt,
    ...counts,
    reasons: { ...counts.reasons },
    ...rateAndEta(counts.processed, audienceSize, startedAt, finishedAt ?? Date.now()),
    runs: (carried?.runs ?? 0) + 1,
    deferred,
    deferredUntil,
    experiment: experiment ? { ...experiment } : null,
  });
  setHandler(progressQuery, snapshot);
  const setState = (next: ExecutionState) => {
    state = next;
    upsertSearchAttributes([{ key: JourneyStepKey, value: next }]);
  };
  const pastEnd = () => endAt !== null && Date.now() >= endAt;

  /**
   * An auto-winner's test sample is through (its deferred records too): a durable timer for the wait (a
   * cancel cuts it short), the winner chosen by an activity (written once, so a retry or a replay reads it
   * back), and the rollout pass sends the winner to everyone else. False: not in a test, or cancelled.
   */
  const testThrough = async (): Promise<boolean> => {
    if (experiment?.phase !== 'test') return false;
    experiment.decidesAt ??= Date.now() + experiment.waitSeconds * 1000;
    await condition(() => cancelled, Math.max(1, experiment.decidesAt - Date.now()));
    if (cancelled) return false;
    const decision = await decideExperimentWinner({ experimentId: experiment.experimentId });
    experiment = { ...experiment, phase: 'rollout', winner: decision.winner, reason: decision.reason, decidesAt: null };
    deferredPass = false;
    cursor = null;
    passFrom = null;
    return true;
  };

  if (!carried) {
    setState('scheduled');
    // Until the start time, or a trigger, or a cancel; an edit moves the start time and waits again.
    while (!cancelled && !startNow && startAt !== null && startAt > Date.now()) {
      rescheduled = false;
      await condition(() => cancelled || startNow || rescheduled, startAt - Date.now());
    }
    if (!cancelled) {
      const begun = await beginCampaignExecution({ campaignId, executionId, mode });
      audienceSize = begun.audienceSize;
      if (begun.experiment) experiment = { ...begun.experiment, phase: 'test', winner: null, reason: null, decidesAt: null };
      startedAt = Date.now();
      setState(paused ? 'paused' : 'running');
    }
  }

  let batches = 0;
  while (!cancelled) {
    if (paused) {
      setState('paused');
      await condition(() => !paused || cancelled || pastEnd(), endAt === null ? undefined : Math.max(0, endAt - Date.now()));
      if (cancelled) break;
      if (!pastEnd()) setState('running');
    }
    if (pastEnd()) {
      stopReason = 'end_time';
      break;
    }
    if (batches >= input.batchesPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof campaignExecution>({
        ...input,
        startAt: startAt ?? undefined,
        endAt: endAt ?? undefined,
        carried: {
          counts,
          audienceSize,
          startedAt: startedAt!,
          cursor,
          paused,
          runs: (carried?.runs ?? 0) + 1,
          ...(deferredPass ? { deferredPass } : {}),
          ...(experiment ? { experiment } : {}),
        },
      });
    }
    if (deferredPass && cursor === null) {
      // A deferred pass begins: when may the first waiting record go? Until then a durable timer (a pause,
      // a cancel or end_time cut it short); none waiting: the broadcast is done.
      const next = await nextDeferredCampaignRecords({ campaignId, executionId });
      deferred = next.count;
      deferredUntil = next.at;
      if (next.at === null) {
        if (await testThrough()) continue;
        stopReason = 'audience_done';
        break;
      }
      if (next.at > Date.now()) {
        const wakeAt = endAt === null ? next.at : Math.min(next.at, endAt);
        await condition(() => cancelled || paused, Math.max(1, wakeAt - Date.now()));
        continue;
      }
      // Records due whose last pass processed none of them could only come round again: the finish records them.
      if (passFrom === counts.processed) {
        if (await testThrough()) continue;
        stopReason = 'audience_done';
        break;
      }
      passFrom = counts.processed;
    }
    const batch = await sendCampaignBatch({
      campaignId,
      executionId,
      mode,
      after: cursor,
      limit: input.batchSize,
      endAt,
      now: Date.now(),
      ...(deferredPass ? { deferred: true } : {}),
      ...(experiment ? { phase: experiment.phase } : {}),
    });
    addCounts(counts, batch.counts);
    cursor = batch.cursor ?? cursor;
    batches++;
    if (batch.stoppedAtEnd) {
      stopReason = 'end_time';
      break;
    }
    if (batch.done) {
      if (deferredPass) {
        // This pass is through; the next one looks for records still waiting (another time zone's morning).
        cursor = null;
        continue;
      }
      // The audience is through; recipients who were inside their quiet hours wait for the deferred pass.
      if (mode === 'actual' && patched('broadcast-quiet-hours')) {
        deferredPass = true;
        cursor = null;
        continue;
      }
      if (await testThrough()) continue;
      stopReason = 'audience_done';
      break;
    }
  }
  if (cancelled) stopReason = 'cancelled';

  finishedAt = Date.now();
  setState(stopReason === 'cancelled' ? 'cancelled' : 'completed');
  const { leftOver } = await finishCampaignExecution({ campaignId, executionId, mode, progress: snapshot() });
  addCounts(counts, leftOverCounts(stopReason, leftOver));
  return snapshot();
}
