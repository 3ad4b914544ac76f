import { resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..');

/** Where the local runtime keeps its data, token key and build output: `.local/` unless ITSM_LOCAL_DIR says otherwise. */
export function localDirectory(): string {
  return resolve(process.env['ITSM_LOCAL_DIR'] ?? resolve(PROJECT_ROOT, '.local'));
}
