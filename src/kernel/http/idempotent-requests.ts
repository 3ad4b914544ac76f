import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { problem } from './problem-details';
import { RequestProblem } from './http-request';

/** Replays within this window answer the first response. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;
const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

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

export type IdempotencyGuard = <T>(request: IdempotentRequest, context: Context, run: () => Promise<T>) => Promise<T>;

/**
 * `Idempotency-Key` on POST, with Powertools idempotency over DynamoDB: the first successful
 * response is stored for 24 h and returned for every replay; failures are not stored, so a
 * corrected retry runs again. The same key with a different body answers 422.
 */
export function createIdempotencyGuard(client: DynamoDBClient, tableName: string): IdempotencyGuard {
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'scope',
    payloadValidationJmesPath: 'body',
    expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
  });
  return async (request, context, run) => {
    if (!KEY_PATTERN.test(request.key)) {
      throw new RequestProblem(
        problem('invalid-input', 'Idempotency-Key must be 1–128 visible ASCII characters', {
          errors: [{ field: 'Idempotency-Key', message: 'must be 1–128 visible ASCII characters' }],
        }),
      );
    }
    config.registerLambdaContext(context);
    const once = makeIdempotent(async (_input: { scope: string; body: string }) => run(), { persistenceStore, config });
    try {
      return await once({ scope: `${request.callerId} ${request.method} ${request.path} ${request.key}`, body: request.body });
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new RequestProblem(
          problem('idempotency-key-reused', 'This Idempotency-Key was used with a different request body in the last 24 hours', {
            errors: [{ field: 'Idempotency-Key', message: 'was already used with another body' }],
          }),
        );
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new RequestProblem(
          problem('idempotency-in-progress', 'A request with this Idempotency-Key is still being processed; retry shortly', {
            errors: [{ field: 'Idempotency-Key', message: 'is in use by a request still running' }],
          }),
        );
      }
      throw error;
    }
  };
}
