import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';
import type { campaignExecution } from '../campaigns/campaign.workflow.js';
import { CampaignIdKey, WorkspaceIdKey } from '../temporal/search-attributes.js';

const { prepareHolidayRun } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface HolidayCampaignRunInput {
  holidayCampaignId: string;
  /** The campaign execution's batching (the service's configuration). */
  batchSize: number;
  batchesPerRun: number;
}

export interface HolidayCampaignRunResult {
  /** The holiday's date this run was for; null: no holiday near (a trigger out of season) or the campaign is gone. */
  date: string | null;
  campaignId: string | null;
  /** False: that year's execution was started before (a second firing, a retry): it sends nothing new. */
  started: boolean;
}

/**
 * One firing of a holiday campaign's yearly schedule (the day before the holiday): that year's campaign,
 * created once, and its one execution — a deterministic workflow id, so a second firing finds it started
 * and sends nothing. The execution waits for its start time and holds each record until the customer's
 * local send time; the run waits for it.
 */
export async function holidayCampaignRun(input: HolidayCampaignRunInput): Promise<HolidayCampaignRunResult> {
  const run = await prepareHolidayRun({ holidayCampaignId: input.holidayCampaignId, at: Date.now() });
  if (!run) return { date: null, campaignId: null, started: false };
  let execution;
  try {
    execution = await startChild<typeof campaignExecution>('campaignExecution', {
      workflowId: run.workflowId,
      args: [
        {
          campaignId: run.campaignId,
          executionId: run.executionId,
          mode: 'actual',
          startAt: run.startAt,
          endAt: run.endAt,
          batchSize: input.batchSize,
          batchesPerRun: input.batchesPerRun,
        },
      ],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: WorkspaceIdKey, value: run.workspace },
        { key: CampaignIdKey, value: run.campaignId },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { date: run.date, campaignId: run.campaignId, started: false };
    throw err;
  }
  // The run lasts as long as the year's execution (the schedule skips a firing while it is open): a run
  // that ended first would leave its child to report to a closed parent.
  await execution.result();
  return { date: run.date, campaignId: run.campaignId, started: true };
}
