// `touchpoint <command>`: the command line, as a client of a running Touchpoint's HTTP API
// (TOUCHPOINT_URL, default http://127.0.0.1:3000) with an API key (TOUCHPOINT_API_KEY). Exit codes: 0 done,
// 1 the API refused or failed, 2 usage.
import { readFile } from 'node:fs/promises';
import { cliApiKey, cliBaseUrl } from '../env.js';
import { AB_USAGE, abCommand } from './ab.js';
import { analytics, ANALYTICS_USAGE } from './analytics.js';

const USAGE = `usage: touchpoint <command> [options]

  segment [--method rfm|quintile] [--refresh]   customers per RFM group (tier names) by RFM
  campaign list [--status S]                     campaigns, newest first
  campaign send --campaign NAME [--simulate]     trigger a campaign by name (a simulation sends nothing)
  report --campaign NAME                         a campaign's progress and performance
  flows list                                     marketer flows
  flows activate --flow NAME                     start runs for new trigger events
  flows deactivate --flow NAME                   stop starting runs
  workspaces list                                the installation's workspaces (admin key of default)
  workspaces create --id ID --name NAME          a workspace, printing its first admin key (shown once)
  keys list                                      the workspace's API keys (never the keys themselves)
  keys create --name NAME --scope S[,S…]         a key (events:write, marketing:write, read, admin), shown once
  keys revoke --id ID                            revoke a key: it stops working at once
${AB_USAGE}
${ANALYTICS_USAGE}

TOUCHPOINT_URL: the API (default http://127.0.0.1:3000). TOUCHPOINT_API_KEY: the key to call it with.`;

class UsageError extends Error {}
class ApiFailure extends Error {}

const base = cliBaseUrl();
const key = cliApiKey();

async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
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
    case 'workspaces': {
      if (sub === 'list' || sub === undefined) {
        const { items } = await api<{ items: Array<{ id: string; name: string; created_at: string }> }>('GET', '/api/workspaces');
        out(
          table(
            ['id', 'name', 'created_at'],
            items.map((w) => [w.id, w.name, w.created_at]),
          ),
        );
        return;
      }
      if (sub === 'create') {
        const created = await api<{ id: string; admin_key: { key: string; prefix: string } }>('POST', '/api/workspaces', {
          id: required(options, 'id'),
          name: required(options, 'name'),
        });
        out(`workspace ${created.id} created; its admin key (shown once, keep it):`);
        out(created.admin_key.key);
        return;
      }
      throw new UsageError(`unknown workspaces command "${sub}"`);
    }
    case 'keys': {
      if (sub === 'list' || sub === undefined) {
        const { items } = await api<{ items: Array<Record<string, string | string[] | null>> }>('GET', '/api/keys');
        out(
          table(
            ['name', 'prefix', 'scopes', 'last_used_at', 'revoked_at', 'id'],
            items.map((k) => [
              k.name as string,
              k.prefix as string,
              (k.scopes as string[]).join(','),
              k.last_used_at as string | null,
              k.revoked_at as string | null,
              k.id as string,
            ]),
          ),
        );
        return;
      }
      if (sub === 'create') {
        const scopes = required(options, 'scope')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const created = await api<{ key: string; prefix: string; scopes: string[] }>('POST', '/api/keys', {
          name: required(options, 'name'),
          scopes,
        });
        out(`key ${created.prefix} (${created.scopes.join(', ')}) created; shown once, keep it:`);
        out(created.key);
        return;
      }
      if (sub === 'revoke') {
        const revoked = await api<{ prefix: string; revoked_at: string }>(
          'DELETE',
          `/api/keys/${encodeURIComponent(required(options, 'id'))}`,
        );
        out(`key ${revoked.prefix} revoked at ${revoked.revoked_at}`);
        return;
      }
      throw new UsageError(`unknown keys command "${sub}"`);
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
    case 'ab':
      return abCommand(sub, options, { api, table, out, required, readFile: (path) => readFile(path, 'utf8') });
    case 'analytics':
      return analytics(sub, options, { api, table, out, usage: (message) => new UsageError(message) });
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
