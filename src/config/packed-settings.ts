import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * Lambda allows 4 KB of environment per function, and the client settings every function reads
 * (`ITSM_CLIENT_SETTINGS`) outgrew it: they travel gzip-compressed and base64-encoded behind this
 * prefix (about 40 % of the JSON). Node's gzip writes no timestamp, so a synth is reproducible.
 */
export const PACKED_SETTINGS_PREFIX = 'gz:';

export function packSettings(json: string): string {
  return PACKED_SETTINGS_PREFIX + gzipSync(json, { level: 9 }).toString('base64');
}

/** The settings JSON of a packed value; a plain JSON value (tests, older stacks) as it is. */
export function unpackSettings(value: string): string {
  return value.startsWith(PACKED_SETTINGS_PREFIX) ? gunzipSync(Buffer.from(value.slice(PACKED_SETTINGS_PREFIX.length), 'base64')).toString('utf8') : value;
}
