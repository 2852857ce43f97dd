// `touchpoint analytics funnel …` and `touchpoint analytics channels …`: the analytics routes as tables.
// Its own module, so that main.ts only dispatches to it.

type Api = <T = any>(method: string, path: string) => Promise<T>;
type Table = (header: string[], rows: Array<Array<string | number | null>>) => string;
interface Rate {
  value: number | null;
  base: string;
}

export const ANALYTICS_USAGE = `  analytics funnel [--campaign-id ID | --journey KEY [--step KEY] | --flow-id ID] [--channel C]
                   [--experiment-id ID] [--from ISO] [--to ISO] [--group-by channel|variant|step|day]
                                                 the funnel sent → delivered → opened → clicked → converted
  analytics channels [--from ISO] [--to ISO]     each channel: volume, cost, rates, revenue, ROI`;

const FUNNEL_OPTIONS: Record<string, string> = {
  'campaign-id': 'campaign_id',
  journey: 'journey_key',
  step: 'step_key',
  'flow-id': 'flow_id',
  channel: 'channel',
  'experiment-id': 'experiment_id',
  from: 'from',
  to: 'to',
  'group-by': 'group_by',
};

/** A rate with its base: `40% of delivered`. */
const rated = (r: Rate | null) => (r === null || r.value === null ? null : `${r.value}% of ${r.base}`);

function query(options: Map<string, string | true>, names: Record<string, string>, usage: (message: string) => Error): string {
  const params = new URLSearchParams();
  for (const [option, value] of options) {
    const name = names[option];
    if (!name) throw usage(`unknown option --${option}`);
    if (typeof value !== 'string') throw usage(`--${option} needs a value`);
    params.set(name, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export async function analytics(
  sub: string | undefined,
  options: Map<string, string | true>,
  io: { api: Api; table: Table; out: (line: string) => void; usage: (message: string) => Error },
): Promise<void> {
  const { api, table, out, usage } = io;
  if (sub === 'funnel') {
    const funnel = await api<{ groups: Array<{ key: string | null; delivered_basis: string; revenue: number; stages: any[] }> }>(
      'GET',
      `/api/analytics/funnel${query(options, FUNNEL_OPTIONS, usage)}`,
    );
    const rows = funnel.groups.flatMap((g) =>
      g.stages.map((s: { stage: string; count: number; of_previous: Rate | null; of_sent: Rate }) => [
        g.key ?? 'all',
        s.stage,
        s.count,
        rated(s.of_previous),
        rated(s.of_sent),
      ]),
    );
    out(table(['group', 'stage', 'count', 'of previous', 'of sent'], rows));
    for (const g of funnel.groups) out(`${g.key ?? 'all'}: revenue ${g.revenue}, delivered counted by ${g.delivered_basis}`);
    return;
  }
  if (sub === 'channels') {
    const { channels } = await api<{ channels: any[] }>(
      'GET',
      `/api/analytics/channels${query(options, { from: 'from', to: 'to' }, usage)}`,
    );
    out(
      table(
        ['channel', 'sent', 'delivered', 'basis', 'open', 'click', 'conversion', 'revenue', 'cost', 'ROI'],
        channels.map((c) => [
          c.channel,
          c.sent,
          c.delivered,
          c.delivered_basis,
          rated(c.rates.open_rate),
          rated(c.rates.click_rate),
          rated(c.rates.conversion_rate),
          c.revenue,
          c.cost,
          c.roi === null ? null : `${c.roi}%`,
        ]),
      ),
    );
    return;
  }
  throw usage(`unknown analytics command "${sub ?? ''}"`);
}
