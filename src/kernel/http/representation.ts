import type { APIGatewayProxyEvent } from 'aws-lambda';
import { etagFor, header } from './http-request';
import type { HttpResult } from './http-router';
import { reportToCsv } from './csv';

/**
 * A record as the answer to a request: the record is the body, and a versioned record carries its
 * ETag so the client can send it back as If-Match on its next change (summaries have no version and
 * answer without). Extra headers (Location, Link) follow the ETag.
 */
export function representation(record: object, status: number, extraHeaders: Readonly<Record<string, string>> = {}): HttpResult {
  const { version } = record as { readonly version?: number };
  return { status, body: record, headers: { ...(version !== undefined && { ETag: etagFor(version) }), ...extraHeaders } };
}

/** A report: JSON by default; CSV when the caller asks for text/csv (every report route answers both). */
export function reportRepresentation(event: Pick<APIGatewayProxyEvent, 'headers'>, report: unknown): HttpResult {
  const accept = header(event, 'accept') ?? '';
  if (/\btext\/csv\b/i.test(accept)) {
    return { status: 200, body: reportToCsv(report), headers: { 'Content-Type': 'text/csv; charset=utf-8', Vary: 'Accept' } };
  }
  return { status: 200, body: report, headers: { Vary: 'Accept' } };
}
