import { rmSync } from 'node:fs';

export default async function runDirTeardown(): Promise<void> {
  const dir = process.env['ITSM_TEST_RUN_DIR'];
  if (dir) rmSync(dir, { recursive: true, force: true });
}
