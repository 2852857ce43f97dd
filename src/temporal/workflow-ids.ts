// Every workflow id and schedule id the app uses, in one place. Their values are part of running workflows
// and recorded histories (a deterministic id is how a repeat finds the run already going): never change one.
//
// Ids carry their workspace: `<workspace>/welcome/<customer>`. The `default` workspace's ids have no prefix
// (`welcome/<customer>`), as every id had before workspaces, so that runs in flight when an installation
// upgraded are still found by their ids. Each id begins with one of KINDS, which no workspace may be named.
import { randomUUID } from 'node:crypto';
import type { SearchAttributePair } from '@temporalio/common';
import { currentWorkspace, DEFAULT_WORKSPACE } from '../db/workspace.js';
import { WorkspaceIdKey } from './search-attributes.js';

/** The first segment of every id of the default workspace (and of every id after a workspace's prefix). */
export const WORKFLOW_KINDS = [
  'welcome',
  'cart-recovery',
  'birthday',
  'tier-upgrade',
  'flow',
  'churn-win-back',
  'campaign',
  'churn-sweep',
  'recommendations-refresh',
  'segments-refresh',
  'insights-refresh',
  'touchpoint-churn-sweep',
  'touchpoint-recommendations-refresh',
  'touchpoint-segments-refresh',
  'touchpoint-insights-refresh',
  'holiday-campaign',
  'touchpoint-holiday-campaign',
  'social-post',
  'activation',
] as const;

/** An id of the current workspace. */
function inWorkspace(id: string, workspace = currentWorkspace()): string {
  return workspace === DEFAULT_WORKSPACE ? id : `${workspace}/${id}`;
}

/**
 * The workspace a workflow (or schedule) id belongs to: its first segment, unless that is one of KINDS (or
 * there is no `/`, as in the ids Temporal gives a schedule's runs, `churn-sweep-2026-…`): the default one.
 */
export function workspaceOfWorkflowId(id: string): string {
  const slash = id.indexOf('/');
  if (slash < 0) return DEFAULT_WORKSPACE;
  const first = id.slice(0, slash);
  return (WORKFLOW_KINDS as readonly string[]).includes(first) ? DEFAULT_WORKSPACE : first;
}

/** Set on every workflow the app starts: the Temporal UI lists a workspace's runs by it. */
export const workspaceSearchAttribute = (): SearchAttributePair => ({ key: WorkspaceIdKey, value: currentWorkspace() });

export const welcomeWorkflowId = (customerId: string) => inWorkspace(`welcome/${customerId}`);
export const cartRecoveryWorkflowId = (customerId: string, cartId: string) => inWorkspace(`cart-recovery/${customerId}/${cartId}`);
export const birthdayWorkflowId = (customerId: string) => inWorkspace(`birthday/${customerId}`);
/** One activation run per customer, ever (started by their signup). */
export const activationWorkflowId = (customerId: string) => inWorkspace(`activation/${customerId}`);
/** One long-lived tier run per customer (it continues as new under the same id). */
export const tierUpgradeWorkflowId = (customerId: string) => inWorkspace(`tier-upgrade/${customerId}`);
/** One open run per flow and customer; a trigger after it closed starts the next run under the same id. */
export const flowWorkflowId = (flowId: string, customerId: string) => inWorkspace(`flow/${flowId}/${customerId}`);
/** One churn win-back run per silence: the customer and their last activity before it. */
export const churnWinBackWorkflowId = (customerId: string, lastActivityAt: number) =>
  inWorkspace(`churn-win-back/${customerId}/${new Date(lastActivityAt).toISOString()}`);
/** One run per execution of a campaign (a resend or a simulation is a new execution). */
export const campaignWorkflowId = (campaignId: string, executionId: string) => inWorkspace(`campaign/${campaignId}/${executionId}`);

// Runs asked for through the API: each request is its own run, alongside any the schedule started.
export const churnSweepRunId = () => inWorkspace(`churn-sweep/${randomUUID()}`);
export const recommendationsRefreshRunId = () => inWorkspace(`recommendations-refresh/${randomUUID()}`);

// The Temporal Schedules each workspace has, and the workflow id each gives its runs (Temporal appends the time).
export const churnSweepScheduleId = () => inWorkspace('touchpoint-churn-sweep');
export const churnSweepScheduledWorkflowId = () => inWorkspace('churn-sweep');
export const recommendationsScheduleId = () => inWorkspace('touchpoint-recommendations-refresh');
export const recommendationsScheduledWorkflowId = () => inWorkspace('recommendations-refresh');
export const segmentsRefreshScheduleId = () => inWorkspace('touchpoint-segments-refresh');
export const segmentsRefreshScheduledWorkflowId = () => inWorkspace('segments-refresh');
export const insightsRefreshScheduleId = () => inWorkspace('touchpoint-insights-refresh');
export const insightsRefreshScheduledWorkflowId = () => inWorkspace('insights-refresh');
// A holiday campaign's yearly schedule, and the id it gives its runs (each run starts that year's campaign execution).
export const holidayCampaignScheduleId = (holidayCampaignId: string) => inWorkspace(`touchpoint-holiday-campaign/${holidayCampaignId}`);
export const holidayCampaignRunWorkflowId = (holidayCampaignId: string) => inWorkspace(`holiday-campaign/${holidayCampaignId}`);
/** One run per social post: it waits for the post's time and publishes it once. */
export const socialPostWorkflowId = (postId: string) => inWorkspace(`social-post/${postId}`);
