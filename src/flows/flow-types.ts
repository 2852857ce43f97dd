// Marketer flows as the flow workflow reads them. No zod here: workflow
// code imports this module, and module-level schemas would be copied into every cached workflow.
// The API's schema (and every rule a saved flow obeys, with the check that its templates render) is in
// definition.ts, which workflow code must not import.

/** What a branch does with its outcome: go on, end the run, or jump over the next `skip` actions. */
export type BranchOutcome = 'continue' | 'exit' | { skip: number };

export type BranchOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains' | 'exists' | 'not_exists';

/** One action of a flow version, as the workflow runs it: `delayMs` already resolved from delay/delay_hours/delay_days. */
export type FlowStep = { delayMs: number } & (
  | { type: 'send_email'; template: { subject: string; html: string; text: string } }
  | { type: 'send_sms'; template: { text: string } }
  | { type: 'send_push'; template: { title: string; body: string; data?: string } }
  /** template: the channel's parts (template_id, url?, one per data key). */
  | { type: 'send_wechat'; template: Record<string, string> }
  | { type: 'send_webhook'; url: string; template?: string }
  | { type: 'add_tag'; tag: string }
  | { type: 'wait_for_event'; event: string; timeoutMs: number; onTimeout: 'continue' | 'exit' }
  | { type: 'branch'; attribute: string; op: BranchOp; value?: unknown; ifTrue: BranchOutcome; ifFalse: BranchOutcome }
);

export type FlowActionType = FlowStep['type'];

/** One saved version of a flow: runs keep the version they started with. */
export interface FlowVersion {
  flowId: string;
  version: number;
  name: string;
  triggerEvent: string;
  /** Event types that end a run at once, in whatever step it is. */
  exitOn: string[];
  steps: FlowStep[];
}

/** The journey key of a flow's runs (journey_runs, JourneyKey search attribute, messages.journey_key). */
export const flowJourneyKey = (flowId: string) => `flow:${flowId}`;

/** A branch's condition on one customer field or attribute (what templates see as `customer.<attribute>`). */
export function evaluateBranch(actual: unknown, op: BranchOp, expected: unknown): boolean {
  const present = actual !== undefined && actual !== null && actual !== '';
  switch (op) {
    case 'exists':
      return present;
    case 'not_exists':
      return !present;
    case 'eq':
      return present && String(actual) === String(expected);
    case 'neq':
      return !present || String(actual) !== String(expected);
    case 'contains':
      if (Array.isArray(actual)) return actual.some((v) => String(v) === String(expected));
      return typeof actual === 'string' && actual.includes(String(expected));
    default: {
      // Ordered comparisons: numbers (or numeric strings) compare as numbers, anything else as text.
      if (!present) return false;
      const [a, b] = [Number(actual), Number(expected)];
      const cmp = Number.isFinite(a) && Number.isFinite(b) ? a - b : String(actual).localeCompare(String(expected));
      return op === 'gt' ? cmp > 0 : op === 'gte' ? cmp >= 0 : op === 'lt' ? cmp < 0 : cmp <= 0;
    }
  }
}
