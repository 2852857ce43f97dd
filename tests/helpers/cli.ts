// The `touchpoint` command as a user runs it: a child process of bin/touchpoint.js against an API at `url`.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const bin = fileURLToPath(new URL('../../bin/touchpoint.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `touchpoint …args` with TOUCHPOINT_URL and TOUCHPOINT_API_KEY set; its exit code and output. */
export async function runTouchpoint(url: string, key: string, ...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      env: { ...process.env, TOUCHPOINT_URL: url, TOUCHPOINT_API_KEY: key },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
