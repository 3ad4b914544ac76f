import { randomUUID } from 'node:crypto';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { createNotifier } from '../../../platform/notifier-factory';
import { createClock, createObservability, loadClientSettings, readEnvironment, traceHandler } from '../../../platform/runtime-environment';
import { OUTBOX_CONSUMER_ENVIRONMENT } from './environment';
import { createSlaScheduler } from '../../incidents/functions';
import { createSelfHelpSite } from '../../selfhelp/functions';
import { DynamoDbOutbox } from '../adapters/dynamodb-outbox';
import { createOutboxConsumer } from './outbox-consumer';
import { createServiceNowPushDeps } from '../../servicenow/functions';
import { pushIncident } from '../../servicenow/app';

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
// The client's self-help site (publish-site effects), when the client config turns it on.
const selfHelpSite = createSelfHelpSite({ env, documents, settings, clock, tracer });
// Where the client has its ServiceNow in step with the desk, incidents are pushed there from here.
const servicenow = settings.integrations.servicenow?.enabled
  ? createServiceNowPushDeps({ settings: settings.integrations.servicenow, documents, incidentsTable: env.incidentsTable, clock, ids: { newId: () => randomUUID() }, tracer })
  : undefined;
const consume = createOutboxConsumer(
  {
    outbox: new DynamoDbOutbox(documents, env.incidentsTable),
    slaScheduler: createSlaScheduler(tracer, env.slaStateMachine),
    notifier: createNotifier({
      topics: { 'major-incident': env.majorIncidentTopic, escalation: env.escalationTopic, security: env.securityTopic },
      settings,
      clock,
      observability,
    }),
    ...(selfHelpSite && { selfHelpSite }),
    ...(servicenow && { servicenow: { pushIncident: (incidentId: string, change: { readonly version: number; readonly trigger: string }) => pushIncident(servicenow, incidentId, change) } }),
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
