import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { ingestAlarmEvent, type IngestOutcome } from '../app/ingest-event';
import { createDocumentClient } from '../adapters/dynamodb/document-client';
import { DynamoDbIncidentRepository } from '../adapters/dynamodb/dynamodb-incident-repository';
import { DynamoDbMonitoringEventStore } from '../adapters/dynamodb/dynamodb-monitoring-event-store';
import { cloudWatchAlarmEventSchema } from '../schemas/event-rules';
import { createObservability, loadClientSettings, requireEnv } from './runtime-environment';

/**
 * Invoked by EventBridge (asynchronously) with CloudWatch alarm state changes. Each event is
 * ingested exactly once, keyed by its id. A malformed event throws: EventBridge/Lambda retry it,
 * then it lands in the dead-letter queue.
 */
const { logger, metrics, tracer } = createObservability('event-ingestion');
const settings = loadClientSettings();
const documents = tracer.captureAWSv3Client(createDocumentClient());
const incidentsTable = requireEnv('INCIDENTS_TABLE_NAME');
const incidents = new DynamoDbIncidentRepository(documents, incidentsTable);
const events = new DynamoDbMonitoringEventStore(
  documents,
  { incidents: incidentsTable, events: requireEnv('EVENTS_TABLE_NAME') },
  settings.monitoring.eventRetentionDays,
);

const run = async (event: unknown): Promise<IngestOutcome> => {
  const parsed = cloudWatchAlarmEventSchema.safeParse(event);
  if (!parsed.success) {
    const id = (event as { id?: unknown } | null)?.id;
    logger.error('malformed CloudWatch alarm event', { eventId: typeof id === 'string' ? id : undefined, issues: parsed.error.issues });
    throw new Error(`Malformed CloudWatch alarm event: ${parsed.error.message}`);
  }
  const result = await ingestAlarmEvent(
    {
      events,
      incidents,
      clock: { now: () => new Date() },
      ids: { newId: () => randomUUID() },
      rules: { matrix: settings.priorityMatrix, ...settings.priorityThresholds },
      policy: settings.monitoring,
    },
    parsed.data,
  );
  metrics.addMetric(`MonitoringEvent_${result.outcome}`, MetricUnit.Count, 1);
  logger.info('monitoring event ingested', { eventId: parsed.data.id, alarm: parsed.data.detail.alarmName, ...result });
  return result;
};

export const handler = middy(run).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
