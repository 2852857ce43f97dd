// `touchpoint ab …`: A/B tests from the command line, through /api/experiments. `ab run --test NAME` creates
// the test on a campaign (variants from --subject-a, --subject-b, … or a JSON --file) and triggers the
// campaign; `ab report --test NAME` prints each arm's rate, interval, lift and p-values, the sample-ratio
// check and the winner.

type Api = <T = any>(method: string, path: string, body?: unknown) => Promise<T>;
type Options = Map<string, string | true>;
type Table = (header: string[], rows: Array<Array<string | number | null>>) => string;

export const AB_USAGE = `  ab run --test NAME --campaign NAME --subject-a S --subject-b S [--subject-c S …]
         [--goal open_rate|click_rate|conversion_rate|revenue_per_recipient] [--holdout 0.1]
         [--test-fraction 0.2 --wait 4h] [--mode fixed|sequential] [--file experiment.json]
                                                 create the A/B test on the campaign and send it
  ab report --test NAME                          each variant's rate, CI, lift and p-value; SRM; winner
  ab list                                        the workspace's experiments
  ab stop --test NAME                            stop: later sends are the original message
  ab promote --test NAME --variant KEY           make KEY the winner`;

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

/** "4h", "30m", "90s", "1d" or plain seconds. */
export function durationSeconds(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new Error(`--wait must be a duration such as 4h, 30m or 3600, not "${value}"`);
  return Math.round(Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd']);
}

const num = (options: Options, name: string): number | undefined => {
  const v = options.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new Error(`--${name} must be a number`);
  return n;
};

const fixed = (x: number | null | undefined, digits = 4) => (x === null || x === undefined ? null : x.toFixed(digits));
const percent = (x: number | null | undefined) => (x === null || x === undefined ? null : `${(100 * x).toFixed(2)}%`);
const range = (i: { low: number; high: number } | null | undefined, f: (x: number) => string | null) =>
  i ? `[${f(i.low)}, ${f(i.high)}]` : null;

export async function abCommand(
  sub: string | undefined,
  options: Options,
  deps: {
    api: Api;
    table: Table;
    out: (line: string) => void;
    required: (o: Options, n: string) => string;
    readFile: (p: string) => Promise<string>;
  },
): Promise<void> {
  const { api, table, out, required } = deps;
  const test = () => encodeURIComponent(required(options, 'test'));
  switch (sub) {
    case 'run': {
      const name = required(options, 'test');
      const existing = await api<any>('GET', `/api/experiments/${encodeURIComponent(name)}`).catch(() => null);
      const experiment = existing ?? (await api<any>('POST', '/api/experiments', await definition(name)));
      if (!existing) out(`experiment ${experiment.name} created (${experiment.variants.length} variants, goal ${experiment.goal})`);
      if (experiment.target.type !== 'campaign') {
        out(
          `${experiment.name} runs on ${experiment.target.type} ${experiment.target.journey_key ?? experiment.target.flow_id} step ${experiment.target.step_key}`,
        );
        return;
      }
      const triggered = await api<{ message: string; execution_id: string }>(
        'POST',
        `/api/marketing/campaigns/${experiment.target.campaign_id}/trigger`,
        {
          execution_type: 'actual',
        },
      );
      out(`${triggered.message} (execution ${triggered.execution_id})`);
      if (experiment.test_fraction !== null)
        out(
          `auto-winner: ${percent(experiment.test_fraction)} of the audience first; the winner goes to the rest ${experiment.winner_wait_seconds} s after`,
        );
      return;
    }
    case 'report': {
      const r = await api<any>('GET', `/api/experiments/${test()}/results`);
      out(`${r.name}: ${r.status}, goal ${r.goal} (base: customers ${r.base === 'sent' ? 'sent the message' : 'assigned'})`);
      const mean = r.goal === 'revenue_per_recipient';
      const show = mean ? (x: number) => x.toFixed(2) : (x: number) => percent(x);
      out(
        table(
          [
            'variant',
            'n',
            mean ? 'mean' : 'events',
            mean ? '' : 'rate',
            'CI',
            'lift',
            'lift CI',
            'relative',
            'p',
            'p (Holm)',
            'significant',
          ],
          r.analysis.arms.map((a: any) => [
            a.isControl ? `${a.key} (control)` : a.key,
            a.n,
            mean ? fixed(a.mean, 2) : a.events,
            mean ? '' : percent(a.rate),
            range(a.ci, show),
            a.lift ? show(a.lift.absolute) : null,
            range(a.lift?.absoluteCi, show),
            a.lift?.relative === null || a.lift?.relative === undefined ? null : percent(a.lift.relative),
            fixed(a.pValue),
            fixed(a.adjustedPValue),
            a.isControl ? '' : a.significant ? 'yes' : 'no',
          ]),
        ),
      );
      const o = r.analysis.omnibus;
      out(
        `test: ${o.test}${o.statistic === null ? '' : ` statistic ${fixed(o.statistic)}`}${o.df === null ? '' : ` df ${o.df}`}, p ${fixed(o.pValue) ?? '-'} (${r.analysis.mode}, α ${r.analysis.alpha})`,
      );
      const srm = r.analysis.srm;
      out(`sample ratio: ${srm.flagged ? 'MISMATCH' : 'ok'} (χ² p ${fixed(srm.pValue) ?? '-'}; flagged below 0.001)`);
      if (r.sample_size.per_arm !== null)
        out(
          `sample size: ${r.sample_size.per_arm} per arm for a difference of ${r.sample_size.minimum_detectable_effect}${r.sample_size.reached ? ' (reached)' : ''}`,
        );
      if (r.vs_holdout) {
        const lifts = r.vs_holdout.arms
          .filter((a: any) => !a.isControl)
          .map((a: any) => `${a.key} ${a.lift ? show(a.lift.absolute) : '-'} (p ${fixed(a.adjustedPValue) ?? '-'})`);
        out(`vs holdout: ${lifts.join(', ')}`);
      }
      out(
        r.winner
          ? `winner: ${r.winner} (${r.winner_reason})`
          : r.analysis.winner
            ? `leading significantly: ${r.analysis.winner}`
            : `no winner yet: ${r.analysis.decision.replaceAll('_', ' ')}`,
      );
      return;
    }
    case 'list':
    case undefined: {
      const { experiments } = await api<{ experiments: any[] }>('GET', '/api/experiments');
      out(
        table(
          ['name', 'status', 'goal', 'variants', 'target', 'winner', 'id'],
          experiments.map((e) => [e.name, e.status, e.goal, e.variants.map((v: any) => v.key).join(','), e.target.type, e.winner, e.id]),
        ),
      );
      return;
    }
    case 'stop': {
      const e = await api<any>('POST', `/api/experiments/${test()}/stop`);
      out(`${e.name}: stopped`);
      return;
    }
    case 'promote': {
      const e = await api<any>('POST', `/api/experiments/${test()}/promote`, { variant: required(options, 'variant') });
      out(`${e.name}: ${e.winner} is the winner`);
      return;
    }
    default:
      throw new Error(`unknown ab command "${sub}"`);
  }

  /** The experiment to create: a JSON file's, with the command's options over it. */
  async function definition(name: string): Promise<Record<string, unknown>> {
    const file = options.get('file');
    const body: Record<string, any> = typeof file === 'string' ? JSON.parse(await deps.readFile(file)) : {};
    body.name = name;
    const campaign = options.get('campaign');
    if (typeof campaign === 'string') body.campaign_id = await campaignId(campaign);
    const subjects = KEYS.map((k) => [k.toUpperCase(), options.get(`subject-${k}`)] as const).filter(([, s]) => typeof s === 'string');
    if (subjects.length) body.variants = subjects.map(([key, subject]) => ({ key, subject }));
    if (!body.variants) throw new Error('give the variants: --subject-a S --subject-b S, or --file');
    body.goal = options.get('goal') ?? body.goal ?? 'open_rate';
    const holdout = num(options, 'holdout');
    if (holdout !== undefined) body.holdout = holdout;
    const fraction = num(options, 'test-fraction');
    if (fraction !== undefined) body.test_fraction = fraction;
    const wait = options.get('wait');
    if (typeof wait === 'string') body.winner_wait_seconds = durationSeconds(wait);
    const mode = options.get('mode');
    if (typeof mode === 'string') body.mode = mode;
    return body;
  }

  /** A campaign's id from its name (or its id). */
  async function campaignId(ref: string): Promise<string> {
    const { campaigns } = await api<{ campaigns: Array<{ id: string; name: string }> }>(
      'GET',
      `/api/marketing/campaigns?name=${encodeURIComponent(ref)}&page_size=500`,
    );
    const exact = campaigns.filter((c) => c.name === ref || c.id === ref);
    if (exact.length === 1) return exact[0]!.id;
    if (/^[0-9a-f-]{36}$/i.test(ref)) return ref;
    throw new Error(exact.length ? `${exact.length} campaigns are named "${ref}"` : `no campaign named "${ref}"`);
  }
}
