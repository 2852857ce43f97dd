// `touchpoint <command>`: the command line, as a client of a running Touchpoint's HTTP API
// (TOUCHPOINT_URL, default http://127.0.0.1:3000). Exit codes: 0 done, 1 the API refused or failed, 2 usage.
import { cliBaseUrl } from '../env.js';

const USAGE = `usage: touchpoint <command> [options]

  segment [--method rfm|quintile] [--refresh]   customers per RFM group (tier names) by RFM
  campaign list [--status S]                     campaigns, newest first
  campaign send --campaign NAME [--simulate]     trigger a campaign by name (a simulation sends nothing)
  report --campaign NAME                         a campaign's progress and performance
  flows list                                     marketer flows
  flows activate --flow NAME                     start runs for new trigger events
  flows deactivate --flow NAME                   stop starting runs

TOUCHPOINT_URL: the API (default http://127.0.0.1:3000).`;

class UsageError extends Error {}
class ApiFailure extends Error {}

const base = cliBaseUrl();

async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiFailure(`cannot reach Touchpoint at ${base}: ${String((err as Error).cause ?? (err as Error).message)}`);
  }
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiFailure(`${method} ${path} → ${res.status} ${json?.error?.code ?? ''}: ${json?.error?.message ?? text}`);
  return json as T;
}

/** `--name value` and `--flag` options after the command words. */
function parse(args: string[]): { words: string[]; options: Map<string, string | true> } {
  const words: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      words.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (inline !== undefined) options.set(name, inline);
    else if (args[i + 1] !== undefined && !args[i + 1]!.startsWith('--')) options.set(name, args[++i]!);
    else options.set(name, true);
  }
  return { words, options };
}

function required(options: Map<string, string | true>, name: string): string {
  const value = options.get(name);
  if (typeof value !== 'string' || !value) throw new UsageError(`--${name} NAME is required`);
  return value;
}

/** Columns padded to their widest cell. */
export function table(header: string[], rows: Array<Array<string | number | null>>): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function campaignByName(name: string) {
  const { campaigns } = await api<{ campaigns: Array<{ id: string; name: string; status: string }> }>(
    'GET',
    `/api/marketing/campaigns?name=${encodeURIComponent(name)}&page_size=500`,
  );
  const exact = campaigns.filter((c) => c.name === name);
  if (exact.length === 0) throw new ApiFailure(`no campaign named "${name}"`);
  if (exact.length > 1) throw new ApiFailure(`${exact.length} campaigns are named "${name}": ${exact.map((c) => c.id).join(', ')}`);
  return exact[0]!;
}

async function flowByName(name: string) {
  const { flows } = await api<{ flows: Array<{ id: string; name: string; active: boolean }> }>('GET', '/api/flows');
  const flow = flows.find((f) => f.name === name);
  if (!flow) throw new ApiFailure(`no flow named "${name}"`);
  return flow;
}

const pct = (n: number | null | undefined) => (n === null || n === undefined ? null : `${Math.round(n * 10) / 10}%`);

export async function run(argv: string[], out: (line: string) => void): Promise<void> {
  const { words, options } = parse(argv);
  const [command, sub] = words;
  switch (command) {
    case 'segment': {
      const method = options.get('method') ?? 'rfm';
      if (method !== 'rfm' && method !== 'quintile') throw new UsageError(`--method must be rfm or quintile, not "${method}"`);
      const query = `method=${method === 'rfm' ? 'threshold' : 'quintile'}${options.has('refresh') ? '&refresh=true' : ''}`;
      const { segments } = await api<{ segments: Array<{ id: string; name: string; customerCount: number; description?: string }> }>(
        'GET',
        `/api/ai-ops/customer/segment?${query}`,
      );
      const total = segments.reduce((n, s) => n + s.customerCount, 0);
      out(
        table(
          ['segment', 'customers', 'share', 'rule'],
          segments.map((s) => [
            s.name ?? s.id,
            s.customerCount,
            total ? pct((100 * s.customerCount) / total) : null,
            s.description ?? null,
          ]),
        ),
      );
      out(`${total} customers`);
      return;
    }
    case 'campaign': {
      if (sub === 'list') {
        const status = options.get('status');
        const { campaigns } = await api<{ campaigns: Array<Record<string, string | null>> }>(
          'GET',
          `/api/marketing/campaigns?page_size=100${typeof status === 'string' ? `&status=${encodeURIComponent(status)}` : ''}`,
        );
        out(
          table(
            ['name', 'type', 'status', 'start_time', 'id'],
            campaigns.map((c) => [c.name!, c.type!, c.status!, c.start_time ?? null, c.id!]),
          ),
        );
        return;
      }
      if (sub === 'send') {
        const campaign = await campaignByName(required(options, 'campaign'));
        const type = options.has('simulate') ? 'simulation' : 'actual';
        const result = await api<{ status: string; message: string; execution_id: string }>(
          'POST',
          `/api/marketing/campaigns/${campaign.id}/trigger`,
          {
            execution_type: type,
          },
        );
        out(`${result.message} (execution ${result.execution_id})`);
        return;
      }
      throw new UsageError(`unknown campaign command "${sub ?? ''}"`);
    }
    case 'report': {
      const campaign = await campaignByName(required(options, 'campaign'));
      const status = await api<{ status: string; execution: Record<string, any> | null }>(
        'GET',
        `/api/marketing/campaigns/${campaign.id}/status`,
      );
      out(`${campaign.name}: ${status.status}`);
      const e = status.execution;
      if (e) {
        const reasons = Object.entries(e.reasons ?? {})
          .map(([r, n]) => `${r} ${String(n)}`)
          .join(', ');
        out(
          table(
            ['audience', 'processed', 'sent', 'failed', 'skipped', 'rate/s', 'eta s'],
            [[e.audienceSize, e.processed, e.sent, e.failed, e.skipped, e.ratePerSecond, e.etaSeconds]],
          ),
        );
        if (reasons) out(`skipped: ${reasons}`);
      }
      const perf = await api<Record<string, number | null>>('GET', `/api/ai-ops/customer/performance?campaign_id=${campaign.id}`).catch(
        () => null,
      );
      if (perf) {
        out(
          table(
            ['sent', 'delivered', 'opened', 'clicked', 'converted', 'revenue', 'cost', 'ROI', 'response'],
            [
              [
                perf.sent ?? 0,
                perf.delivered ?? 0,
                perf.opened ?? 0,
                perf.clicked ?? 0,
                perf.converted ?? 0,
                perf.revenue ?? 0,
                perf.cost ?? 0,
                pct(perf.roi),
                pct(perf.responseRate),
              ],
            ],
          ),
        );
      }
      return;
    }
    case 'flows': {
      if (sub === 'list' || sub === undefined) {
        const { flows } = await api<{
          flows: Array<{ name: string; trigger_event: string; active: boolean; latest_version: number; id: string }>;
        }>('GET', '/api/flows');
        out(
          table(
            ['name', 'trigger', 'active', 'version', 'id'],
            flows.map((f) => [f.name, f.trigger_event, f.active ? 'yes' : 'no', f.latest_version, f.id]),
          ),
        );
        return;
      }
      if (sub === 'activate' || sub === 'deactivate') {
        const flow = await flowByName(required(options, 'flow'));
        await api('POST', `/api/flows/${flow.id}/${sub}`);
        out(`${flow.name}: ${sub === 'activate' ? 'active' : 'inactive'}`);
        return;
      }
      throw new UsageError(`unknown flows command "${sub}"`);
    }
    case 'help':
    case undefined:
      out(USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

// Run only as the program, not when a test imports run().
if (process.argv[1] && /touchpoint(\.js)?$|cli[\\/]main\.ts$/.test(process.argv[1])) {
  run(process.argv.slice(2), (line) => console.log(line)).then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err instanceof UsageError ? `${err.message}\n\n${USAGE}` : `touchpoint: ${err.message}`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
