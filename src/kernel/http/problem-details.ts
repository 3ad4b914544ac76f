import type { APIGatewayProxyResult } from 'aws-lambda';
import { DomainError, type FieldIssue } from '../domain/domain-errors';

/**
 * RFC 9457 problem details. Every 4xx and 5xx the API returns is one of these, naming the field
 * or rule at fault so a client can correct the request without reading logs.
 */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  /** Each field at fault, with what is wrong with it. */
  readonly errors?: readonly FieldIssue[];
  readonly [extension: string]: unknown;
}

const PROBLEM_BASE = 'https://rowe-itsm.example/problems/';

export const PROBLEM_TYPES = {
  'invalid-input': { status: 400, title: 'The request is not valid' },
  'malformed-body': { status: 400, title: 'The request body is not valid JSON' },
  'body-too-large': { status: 400, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'The request body must be JSON' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'illegal-transition': { status: 409, title: 'The lifecycle does not allow this change' },
  'version-conflict': { status: 412, title: 'The resource has changed' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused with another request' },
  'idempotency-in-progress': { status: 409, title: 'The same request is still being processed' },
  'precondition-required': { status: 428, title: 'If-Match is required' },
  'already-exists': { status: 409, title: 'A record with this id exists already' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
} as const;
export type ProblemType = keyof typeof PROBLEM_TYPES;

export function problem(
  type: ProblemType,
  detail: string,
  extras: { readonly errors?: readonly FieldIssue[]; readonly instance?: string; readonly [k: string]: unknown } = {},
): ProblemDetails {
  const { status, title } = PROBLEM_TYPES[type];
  return { type: `${PROBLEM_BASE}${type}`, title, status, detail, ...extras };
}

export function problemResponse(details: ProblemDetails, headers: Record<string, string> = {}): APIGatewayProxyResult {
  const retryAfter: Record<string, string> = typeof details['retryAfter'] === 'number' ? { 'Retry-After': String(details['retryAfter']) } : {};
  return {
    statusCode: details.status,
    headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', ...retryAfter, ...headers },
    body: JSON.stringify(details),
  };
}

/** Maps a domain error to its problem; anything else is an internal error that reveals nothing. */
export function problemFromError(error: unknown, instance?: string): ProblemDetails | undefined {
  if (!(error instanceof DomainError)) return undefined;
  const extras: Record<string, unknown> = { ...(instance && { instance }) };
  if ('issues' in error) extras['errors'] = error.issues;
  else if (error.subject) extras['errors'] = [{ field: error.subject, message: error.message }];
  if ('allowed' in error) extras['allowedNextStates'] = error.allowed;
  if ('retryAfterSeconds' in error) extras['retryAfter'] = error.retryAfterSeconds;
  return problem(error.kind, error.message, extras);
}
