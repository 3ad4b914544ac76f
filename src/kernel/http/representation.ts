import { etagFor } from './http-request';
import type { HttpResult } from './http-router';

/**
 * A record as the answer to a request: the record is the body, and a versioned record carries its
 * ETag so the client can send it back as If-Match on its next change (summaries have no version and
 * answer without). Extra headers (Location, Link) follow the ETag.
 */
export function representation(record: object, status: number, extraHeaders: Readonly<Record<string, string>> = {}): HttpResult {
  const { version } = record as { readonly version?: number };
  return { status, body: record, headers: { ...(version !== undefined && { ETag: etagFor(version) }), ...extraHeaders } };
}
