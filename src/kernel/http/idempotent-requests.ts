import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { assertIdempotencyKey, keyInProgressProblem, keyReusedProblem } from './idempotency-key';

export { IDEMPOTENCY_WINDOW_SECONDS } from './idempotency-key';
import { IDEMPOTENCY_WINDOW_SECONDS } from './idempotency-key';

export type { IdempotentRequest } from './idempotency-key';
import type { IdempotentRequest } from './idempotency-key';

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
    assertIdempotencyKey(request.key);
    config.registerLambdaContext(context);
    const once = makeIdempotent(async (_input: { scope: string; body: string }) => run(), { persistenceStore, config });
    try {
      return await once({ scope: `${request.callerId} ${request.method} ${request.path} ${request.key}`, body: request.body });
    } catch (error) {
      if (error instanceof IdempotencyValidationError) throw keyReusedProblem();
      if (error instanceof IdempotencyAlreadyInProgressError) throw keyInProgressProblem();
      throw error;
    }
  };
}

