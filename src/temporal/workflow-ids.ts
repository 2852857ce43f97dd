// Every workflow id and schedule id the app uses, in one place. Their values are part of running workflows
// and recorded histories (a deterministic id is how a repeat finds the run already going): never change one.
import { randomUUID } from 'node:crypto';

export const welcomeWorkflowId = (customerId: string) => `welcome/${customerId}`;
export const cartRecoveryWorkflowId = (customerId: string, cartId: string) => `cart-recovery/${customerId}/${cartId}`;
export const birthdayWorkflowId = (customerId: string) => `birthday/${customerId}`;
/** One long-lived tier run per customer (it continues as new under the same id). */
export const tierUpgradeWorkflowId = (customerId: string) => `tier-upgrade/${customerId}`;
/** One open run per flow and customer; a trigger after it closed starts the next run under the same id. */
export const flowWorkflowId = (flowId: string, customerId: string) => `flow/${flowId}/${customerId}`;
/** One churn win-back run per silence: the customer and their last activity before it. */
export const churnWinBackWorkflowId = (customerId: string, lastActivityAt: number) =>
  `churn-win-back/${customerId}/${new Date(lastActivityAt).toISOString()}`;
/** One run per execution of a campaign (a resend or a simulation is a new execution). */
export const campaignWorkflowId = (campaignId: string, executionId: string) => `campaign/${campaignId}/${executionId}`;

// Runs asked for through the API: each request is its own run, alongside any the schedule started.
export const churnSweepRunId = () => `churn-sweep/${randomUUID()}`;
export const recommendationsRefreshRunId = () => `recommendations-refresh/${randomUUID()}`;

// The Temporal Schedules the app keeps, and the workflow id each gives its runs (Temporal appends the time).
export const churnSweepScheduleId = 'touchpoint-churn-sweep';
export const churnSweepScheduledWorkflowId = 'churn-sweep';
export const recommendationsScheduleId = 'touchpoint-recommendations-refresh';
export const recommendationsScheduledWorkflowId = 'recommendations-refresh';
export const segmentsRefreshScheduleId = 'touchpoint-segments-refresh';
export const segmentsRefreshScheduledWorkflowId = 'segments-refresh';
export const insightsRefreshScheduleId = 'touchpoint-insights-refresh';
export const insightsRefreshScheduledWorkflowId = 'insights-refresh';
