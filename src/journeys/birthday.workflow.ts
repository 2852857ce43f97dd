import { allHandlersFinished, condition, continueAsNew, defineSignal, setHandler, workflowInfo } from '@temporalio/workflow';
import { type BirthdayOccurrence, nextBirthday } from './birthday.js';
import { type ConfiguredStart, exitSignal, type JourneyResult, JourneyRun, statusQuery } from '../steps/steps.js';

export interface BirthdayProfile {
  /** 'YYYY-MM-DD'; null when the customer removed it, which ends the journey. */
  birthday: string | null;
  /** IANA zone the greeting's 09:00 is read in; null means UTC. */
  timezone: string | null;
}

export interface BirthdayInput extends BirthdayProfile, ConfiguredStart {
  customerId: string;
  /** Local years already greeted, carried across continue-as-new so a moved birthday is not greeted twice. */
  sentYears?: number[];
}

/** The customer's birthday or time zone changed (sent by src/journeys on every such profile update). */
export const profileChangedSignal = defineSignal<[BirthdayProfile]>('profileChanged');

/** Changes of birthday within one run before it starts afresh, so even a busy profile keeps history small. */
const MAX_CHANGES_PER_RUN = 100;

/**
 * Birthday, one long-lived run per customer: every year at 09:00 in the customer's time zone
 * (29 February → 28 February in other years) the configured greeting, with its coupon. Every configured
 * step goes out at that moment (their offsets do not apply). A changed birthday or zone moves the next
 * greeting; a removed birthday, an erasure or an opt-out ends the journey. After each greeting the run
 * continues as new, loading the newest configuration.
 */
export async function birthday(input: BirthdayInput): Promise<JourneyResult> {
  const run = new JourneyRun('birthday', input.customerId);
  let profile: BirthdayProfile = { birthday: input.birthday, timezone: input.timezone };
  let changed = false;
  setHandler(statusQuery, () => run.status());
  setHandler(exitSignal, ({ reason }) => run.exit(reason));
  setHandler(profileChangedSignal, (next) => {
    if (!next.birthday) return run.exit('birthday_removed');
    if (next.birthday === profile.birthday && next.timezone === profile.timezone) return;
    profile = { birthday: next.birthday, timezone: next.timezone };
    changed = true;
  });

  if (!(await run.load(input))) return { outcome: 'disabled', steps: [] };
  const steps = run.config?.steps ?? [];
  const sentYears = new Set(input.sentYears ?? []);

  for (let changes = 0; run.exited === null; changes++) {
    if (!profile.birthday) {
      run.exit('birthday_removed');
      break;
    }
    if (changes >= MAX_CHANGES_PER_RUN || workflowInfo().continueAsNewSuggested) return startAfresh();
    changed = false;
    let next = occurrence(profile, Date.now());
    if (!next) {
      run.exit('invalid_birthday');
      break;
    }
    // A birthday moved to later in a year already greeted waits for the next year.
    while (sentYears.has(next.year)) next = occurrence(profile, next.at)!;
    const waited = await run.sleepUntil(next.at, steps[0]?.key ?? 'greeting', () => changed);
    if (waited !== 'due') continue;

    // The year is part of each step's key (greeting-2027): one greeting and one coupon per year, however
    // often this is retried or replayed.
    for (const step of steps) {
      if (run.exited !== null) break;
      await run.send({ ...step, key: `${step.key}-${next.year}` });
    }
    if (run.exited !== null) break;
    sentYears.add(next.year);
    return startAfresh();
  }
  return run.result();

  async function startAfresh(): Promise<JourneyResult> {
    // Signals that arrived meanwhile have run their handlers (and so updated `profile`) before this returns.
    await condition(allHandlersFinished);
    if (run.exited !== null) return run.result();
    const recent = [...sentYears].sort((a, b) => a - b).slice(-2);
    return continueAsNew<typeof birthday>({ customerId: input.customerId, ...profile, sentYears: recent });
  }
}

/**
 * The next birthday after `after`. The API accepts only real dates and IANA zones, but a row can be edited
 * by hand: an unknown zone counts as UTC, and a malformed birthday gives null (the journey ends) rather
 * than a workflow task that fails forever.
 */
function occurrence({ birthday, timezone }: BirthdayProfile, after: number): BirthdayOccurrence | null {
  for (const zone of [timezone, null]) {
    try {
      return nextBirthday(birthday ?? '', zone, after);
    } catch {
      // Next candidate zone, then give up.
    }
  }
  return null;
}
