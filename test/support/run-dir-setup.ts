import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preferShortLivedJvm } from './short-lived-jvm';

/**
 * Every run's global setup: a scratch folder for the run (ITSM_TEST_RUN_DIR), where test files
 * share what is costly to make and the same for all of them, like the synthesized template
 * (synthesized-template.ts). Removed by run-dir-teardown.ts.
 */
export default async function runDirSetup(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  preferShortLivedJvm();
  process.env['ITSM_TEST_RUN_DIR'] ??= mkdtempSync(join(tmpdir(), 'itsm-test-run-'));
}
