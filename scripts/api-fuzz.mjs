#!/usr/bin/env node
// `npm run test:api-fuzz`: Schemathesis against a throwaway Touchpoint. Starts the app embedded (Temporal dev
// server, PGlite and mail capture in a temp DATA_DIR, on free ports), takes the admin key it prints, and
// runs Schemathesis on /openapi.json with every operation: no answer may be a 5xx, every status must be one
// the document declares, every body must match its declared schema, and a method a path does not declare
// must be answered 405 with Allow. Exits with Schemathesis's code (non-zero on any failure).
//
// Schemathesis (PyPI) is installed into .tools/schemathesis-venv on first use. Arguments after `--` go to
// `schemathesis run` (e.g. `npm run test:api-fuzz -- --max-examples 50 --include-path-regex '^/api/flows'`);
// FUZZ_MAX_EXAMPLES sets the cases per operation (default 15).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMATHESIS = '4.32.5';
const venv = join(root, '.tools', 'schemathesis-venv');
const stamp = join(venv, 'installed.json');
const bin = join(venv, 'bin', 'schemathesis');

/** Checks run on every answer; `unsupported_method` sends the methods a path does not declare. */
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'unsupported_method',
  'allow_header_conformance',
];

/** Where the app's log is left after a failed run. */
const APP_LOG = join(tmpdir(), 'touchpoint-api-fuzz-app.log');

const log = (msg) => console.error(`[api-fuzz] ${msg}`);

function installSchemathesis() {
  if (existsSync(stamp) && existsSync(bin) && JSON.parse(readFileSync(stamp, 'utf8')).schemathesis === SCHEMATHESIS) return;
  log(`installing schemathesis==${SCHEMATHESIS} into .tools/schemathesis-venv…`);
  const python = process.env.PYTHON ?? 'python3';
  execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(
    join(venv, 'bin', 'python'),
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS}`],
    {
      stdio: 'inherit',
    },
  );
  writeFileSync(stamp, JSON.stringify({ schemathesis: SCHEMATHESIS }));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `src/main.ts` embedded and resolves with its URL and admin key, from the lines it prints. */
async function startApp(dataDir) {
  const [port, temporalPort, uiPort, mailPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // Nothing of the caller's deployment: every service is embedded and thrown away afterwards.
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'NODE_ENV']) delete env[name];
  Object.assign(env, {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    MAIL_CAPTURE_PORT: String(mailPort),
    // Schemathesis sends many requests a second with one key: no per-key limit for this run.
    API_RATE_LIMIT_PER_SECOND: '0',
    LOG_LEVEL: 'error',
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output = [];
  const ready = new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const url = /API\s+(http:\/\/\S+)/.exec(stdout)?.[1];
      const key = /API key\s+(\S+)/.exec(stdout)?.[1];
      if (url && key) resolve({ url, key });
    });
    child.stderr.on('data', (chunk) => output.push(String(chunk)));
    child.once('exit', (code) => reject(new Error(`the app exited with code ${code} before it was ready:\n${output.join('')}`)));
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 180_000);
  try {
    return { child, output, ...(await ready) };
  } finally {
    clearTimeout(timeout);
  }
}

/** Stops the app and what it started (the dev server runs in its process group). */
async function stopApp(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  const killed = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 15_000);
  await exited;
  clearTimeout(killed);
}

/**
 * Resources the run's requests may name: without them nearly every `{id}` the fuzzer invents names nothing
 * and the handlers behind the 404 are never reached. Made through the API; their ids go into a
 * Schemathesis config, which puts them in about half of the requests of the operations that take them.
 */
async function knownResources(url, key) {
  const call = async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  const customer = 'fuzz-ada';
  await call('PUT', `/api/customers/${customer}`, { email: 'ada@example.com', name: 'Ada', tags: ['fuzz'], birthday: '1990-12-10' });
  const { flow } = await call('POST', '/api/flows', {
    name: 'Fuzz welcome',
    trigger_event: 'user_signup',
    exit_on: ['account_closed'],
    actions: [{ type: 'send_email', template: { subject: 'Hi {{ customer.name }}', html: '<p>Welcome</p>', text: 'Welcome' } }],
  });
  const template = await call('POST', '/api/templates', { name: 'Fuzz', channel: 'email', parts: { subject: 'Hi', text: 'Hello' } });
  const segment = await call('POST', '/api/segments', { name: 'Fuzz', rules: { has_tag: 'fuzz' } });
  const campaign = await call('POST', '/api/marketing/campaigns', { name: 'Fuzz', type: 'email', target_tags: ['fuzz'], content: 'Hi' });
  return { customer, flow: flow.id, template: template.id, segment: segment.id, campaign: campaign.id, journey: 'welcome' };
}

/** A schemathesis.toml naming the known resources for the operations that take them. */
function fuzzConfig(known) {
  const q = (v) => JSON.stringify(v);
  const half = (dictionary) => `{ dictionary = ${q(dictionary)}, probability = 0.5 }`;
  const lines = ['[dictionaries]'];
  for (const [name, value] of Object.entries(known)) lines.push(`${name} = { values = [${q(value)}] }`);
  const operations = [
    ['^/api/customers/\\{id\\}', 'path.id', 'customer'],
    ['^/api/ai-ops/customer/(tags|upgrade/)', 'body.customer_id', 'customer'],
    ['^/api/templates/\\{id\\}/preview', 'body.customer_id', 'customer'],
    ['^/api/flows/\\{id\\}', 'path.id', 'flow'],
    ['^/api/templates/\\{id\\}', 'path.id', 'template'],
    ['^/api/segments/\\{id\\}', 'path.id', 'segment'],
    ['^/api/marketing/campaigns/\\{id\\}', 'path.id', 'campaign'],
    ['^/api/(marketing/records|ai-ops/customer/performance)$', 'query.campaign_id', 'campaign'],
    ['^/api/journeys/\\{key\\}', 'path.key', 'journey'],
  ];
  for (const [path, parameter, dictionary] of operations) {
    lines.push('', '[[operations]]', `include-path-regex = ${q(path)}`, `parameters = { ${q(parameter)} = ${half(dictionary)} }`);
  }
  // The stateful phase chains a listed key's id into DELETE /api/keys/{id}: it would revoke the key the run
  // authenticates with, and every later request would be a 401.
  lines.push('', '[[operations]]', 'include-path = "/api/keys/{id}"', 'include-method = "DELETE"', 'phases.stateful.enabled = false');
  return `${lines.join('\n')}\n`;
}

async function main() {
  installSchemathesis();
  const dataDir = mkdtempSync(join(tmpdir(), 'touchpoint-fuzz-'));
  let app;
  try {
    log('starting the app (embedded)…');
    app = await startApp(dataDir);
    log(`app at ${app.url}`);
    const config = join(dataDir, 'schemathesis.toml');
    writeFileSync(config, fuzzConfig(await knownResources(app.url, app.key)));
    const extra = process.argv.slice(2);
    const args = [
      '--config-file',
      config,
      'run',
      `${app.url}/openapi.json`,
      '--header',
      `Authorization: Bearer ${app.key}`,
      '--checks',
      CHECKS.join(','),
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--max-examples',
      process.env.FUZZ_MAX_EXAMPLES ?? '15',
      // One worker: hypothesis in threads trips CPython 3.11's AST parser ("recursion depth mismatch").
      '--workers',
      '1',
      '--request-timeout',
      '30',
      '--suppress-health-check',
      'too_slow,filter_too_much',
      '--generation-database',
      'none',
      '--no-color',
      ...extra,
    ];
    const code = await new Promise((resolve) => {
      const st = spawn(bin, args, { cwd: root, stdio: 'inherit' });
      st.once('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) {
      // The app's side of a failure (a 500's stack) is in its log.
      writeFileSync(APP_LOG, app.output.join(''));
      log(`schemathesis exited with ${code}; the app's log is in ${APP_LOG}`);
    }
    return code;
  } finally {
    if (app) await stopApp(app.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
