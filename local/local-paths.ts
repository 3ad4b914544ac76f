import { resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..');

/** Where the local runtime keeps its data, token key and build output: `.local/` unless ITSM_LOCAL_DIR says otherwise. */
export function localDirectory(): string {
  return resolve(process.env['ITSM_LOCAL_DIR'] ?? resolve(PROJECT_ROOT, '.local'));
}

/** Where GET /knowledge/site-bundle's link points locally (in AWS: a pre-signed URL of the site bucket); served by local-help-site.ts. */
export const LOCAL_BUNDLE_PATH = '/_local/site-bundle.zip';
