import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The headless Chromium of the browser tests: the one inside @sparticuz/chromium, driven by
 * playwright-core, offline. @sparticuz/chromium ships as ESM only, which jest's CommonJS registry
 * cannot load: its executable (unpacked on first use) and arguments are asked of a plain Node process.
 */
export function sparticuzChromium(): { path: string; args: string[] } {
  const script = "import('@sparticuz/chromium').then(async ({ default: c }) => process.stdout.write(JSON.stringify({ path: await c.executablePath(), args: c.args })))";
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: resolve(__dirname, '../..'), encoding: 'utf8', timeout: 120_000 }));
}
