import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { createClock, createObservability, loadClientSettings, readEnvironment, traceHandler } from '../../../platform/runtime-environment';
import { OUTBOX_CONSUMER_ENVIRONMENT } from './environment';
import { DynamoDbOutbox } from '../adapters/dynamodb-outbox';
import { createOutboxConsumer } from './outbox-consumer';
import { createEffectDelivery } from './effect-delivery-factory';

/**
 * The outbox consumer: the incidents table's stream (outbox INSERTs only, by the event source
 * mapping's filter) in batches; each item's effect delivered, then the item deleted. A failed
 * effect is answered as a partial batch failure; the stream retries from that record.
 */
const env = readEnvironment(OUTBOX_CONSUMER_ENVIRONMENT);
const observability = createObservability('outbox');
const { logger, metrics, tracer } = observability;
const settings = loadClientSettings();
const documents = tracer.captureAWSv3Client(createDocumentClient());
const clock = createClock();
const consume = createOutboxConsumer(
  {
    outbox: new DynamoDbOutbox(documents, env.incidentsTable),
    ...createEffectDelivery({ env, documents, settings, clock, observability }),
  },
  {
    onFailure: (error, record) => {
      logger.error('effect not delivered; the stream retries it', { key: record.key, sequenceNumber: record.sequenceNumber, error: error as Error });
      metrics.addMetric('EffectDeliveryFailed', MetricUnit.Count, 1);
    },
    onBatch: (outcome) => {
      if (outcome.delivered > 0) metrics.addMetric('EffectsDelivered', MetricUnit.Count, outcome.delivered);
      if (outcome.alreadyDelivered > 0) metrics.addMetric('EffectsAlreadyDelivered', MetricUnit.Count, outcome.alreadyDelivered);
    },
  },
);

const run = async (event: DynamoDBStreamEvent, _context: Context): Promise<DynamoDBBatchResponse> => consume(event);

export const handler = middy(run).use(traceHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
