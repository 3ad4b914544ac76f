import { createHash } from 'node:crypto';
import type { IdempotencyMarker } from '../app/ports';
import { problem } from './problem-details';
import { RequestProblem } from './http-request';

/**
 * Idempotency-Key: its form, its problems, and the marker of a route honouring it in its own
 * transaction (no Powertools here: route declarations import this at synth).
 */

/** Replays within this window answer the first response. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;
const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** What identifies a request for Idempotency-Key. */
export interface IdempotentRequest {
  /** The client's Idempotency-Key header. */
  readonly key: string;
  /** Who asked, so two callers' keys never collide. */
  readonly callerId: string;
  readonly method: string;
  readonly path: string;
  /** The raw body: a replay with another body is an error (422), not a replay. */
  readonly body: string;
}

export function assertIdempotencyKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new RequestProblem(
      problem('invalid-input', 'Idempotency-Key must be 1–128 visible ASCII characters', {
        errors: [{ field: 'Idempotency-Key', message: 'must be 1–128 visible ASCII characters' }],
      }),
    );
  }
}

/** 422: the same key with another body within the window. */
export const keyReusedProblem = () =>
  new RequestProblem(
    problem('idempotency-key-reused', 'This Idempotency-Key was used with a different request body in the last 24 hours', {
      errors: [{ field: 'Idempotency-Key', message: 'was already used with another body' }],
    }),
  );

/** 409: a request with the same key is still running. */
export const keyInProgressProblem = () =>
  new RequestProblem(
    problem('idempotency-in-progress', 'A request with this Idempotency-Key is still being processed; retry shortly', {
      errors: [{ field: 'Idempotency-Key', message: 'is in use by a request still running' }],
    }),
  );

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The marker of a request honouring Idempotency-Key in its own transaction (a route declared
 * `idempotency: 'in-transaction'`): scoped like the guard's records (caller, method, path, key),
 * with the raw body's hash. Throws 400 for a malformed key.
 */
export function idempotencyMarkerFor(request: IdempotentRequest): IdempotencyMarker {
  assertIdempotencyKey(request.key);
  return { id: sha256(`${request.callerId} ${request.method} ${request.path} ${request.key}`), bodyHash: sha256(request.body) };
}
