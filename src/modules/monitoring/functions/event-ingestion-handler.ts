import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { createAlarmTagSource } from './alarm-tag-source-factory';
import { ingestAlarmEvent, type IngestEventDeps, type IngestOutcome } from '../app/ingest-event';
import { fromGuardDuty, fromInspector, ingestSecurityFinding, type IngestFindingDeps } from '../app/ingest-finding';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbIncidentRepository } from '../../incidents/adapters';
import { DynamoDbMonitoringEventStore } from '../adapters/dynamodb-monitoring-event-store';
import { DynamoDbAuditTrail } from '../../../kernel/adapters/dynamodb-audit-trail';
import { cloudWatchAlarmEventSchema, guardDutyFindingEventSchema, inspector2FindingEventSchema } from '../schemas/event-rules';
import { createClock, createObservability, loadClientSettings, readEnvironment, traceHandler } from '../../../platform/runtime-environment';
import { EVENT_INGESTION_ENVIRONMENT } from './environment';
import { builtFromContacts, createClientContactsSource } from '../../../platform/client-contacts';
import { alarmTrackingPolicyOf, slaPolicyOf } from '../../incidents/app';

const env = readEnvironment(EVENT_INGESTION_ENVIRONMENT);

/**
 * Invoked by EventBridge (asynchronously) with CloudWatch alarm state changes, GuardDuty findings
 * and Inspector2 findings (told apart by their source). Each event is
 * ingested exactly once, keyed by its id. A malformed event throws: EventBridge/Lambda retry it,
 * then it lands in the dead-letter queue.
 */
const { logger, metrics, tracer } = createObservability('event-ingestion');
const settings = loadClientSettings();
const documents = tracer.captureAWSv3Client(createDocumentClient());
const incidentsTable = env.incidentsTable;
const incidents = new DynamoDbIncidentRepository(documents, incidentsTable, undefined, undefined, slaPolicyOf(settings), settings.retention.outboxItems);
const clock = createClock();
const ids = { newId: () => randomUUID() };
const auditTrail = new DynamoDbAuditTrail(documents, env.auditTable, { clock, ids });
// Incident changes made here carry their audit record in their own transaction (see the store).
const events = new DynamoDbMonitoringEventStore(
  documents,
  { incidents: incidentsTable, events: env.eventsTable },
  settings.monitoring.eventRetentionDays,
  auditTrail,
  settings.retention.outboxItems,
);

// CloudWatch on AWS; the local runtime, which has no CloudWatch, names a file of alarm tags instead.
const alarmTags = createAlarmTagSource(tracer);

const common: IngestEventDeps = {
  events,
  incidents,
  clock,
  ids,
  rules: { matrix: settings.priorityMatrix, ...settings.priorityThresholds },
  policy: settings.monitoring,
  tracking: alarmTrackingPolicyOf(settings.monitoring),
  alarmTags,
  syncToServiceNow: settings.integrations.servicenow?.enabled === true,
  onTagLookupFailure: (error, alarmArn) => {
    logger.warn('alarm tags not read: classified by the name rules', { alarmArn, error: error as Error });
    metrics.addMetric('AlarmTagLookupFailed', MetricUnit.Count, 1);
  },
};
// Who a security finding tells: the client's contacts, from their secret, read when a finding arrives.
const findingDepsOf = builtFromContacts(createClientContactsSource({ secretArn: env.clientContactsSecret, tracer }), (contacts): IngestFindingDeps => ({
  ...common,
  findingPriorities: settings.monitoring.findingPriorities,
  securityContact: contacts.security ?? contacts.nominated[0]!,
  ...(contacts.informationSecurityManager && { informationSecurityManager: contacts.informationSecurityManager }),
  clientId: settings.id,
}));

/** The event's schema by source; a source we do not subscribe to is malformed here. */
const SCHEMAS = {
  'aws.cloudwatch': { name: 'CloudWatch alarm', schema: cloudWatchAlarmEventSchema },
  'aws.guardduty': { name: 'GuardDuty finding', schema: guardDutyFindingEventSchema },
  'aws.inspector2': { name: 'Inspector2 finding', schema: inspector2FindingEventSchema },
} as const;

function malformed(event: unknown, what: string, message: string, issues?: unknown): never {
  const id = (event as { id?: unknown } | null)?.id;
  logger.error(`malformed ${what} event`, { eventId: typeof id === 'string' ? id : undefined, issues });
  throw new Error(`Malformed ${what} event: ${message}`);
}

async function ingest(event: unknown): Promise<{ result: IngestOutcome; subject: Record<string, string> }> {
  const source = (event as { source?: unknown } | null)?.source;
  const known = typeof source === 'string' && Object.hasOwn(SCHEMAS, source) ? SCHEMAS[source as keyof typeof SCHEMAS] : undefined;
  if (!known) return malformed(event, 'CloudWatch alarm', `unexpected source ${JSON.stringify(source)}`);
  switch (source) {
    case 'aws.guardduty': {
      const parsed = guardDutyFindingEventSchema.safeParse(event);
      if (!parsed.success) return malformed(event, known.name, parsed.error.message, parsed.error.issues);
      return { result: await ingestSecurityFinding(await findingDepsOf(), fromGuardDuty(parsed.data)), subject: { eventId: parsed.data.id, finding: parsed.data.detail.id } };
    }
    case 'aws.inspector2': {
      const parsed = inspector2FindingEventSchema.safeParse(event);
      if (!parsed.success) return malformed(event, known.name, parsed.error.message, parsed.error.issues);
      return { result: await ingestSecurityFinding(await findingDepsOf(), fromInspector(parsed.data)), subject: { eventId: parsed.data.id, finding: parsed.data.detail.findingArn } };
    }
    default: {
      const parsed = cloudWatchAlarmEventSchema.safeParse(event);
      if (!parsed.success) return malformed(event, known.name, parsed.error.message, parsed.error.issues);
      return { result: await ingestAlarmEvent(common, parsed.data), subject: { eventId: parsed.data.id, alarm: parsed.data.detail.alarmName } };
    }
  }
}

const run = async (event: unknown): Promise<IngestOutcome> => {
  let ingested: Awaited<ReturnType<typeof ingest>>;
  try {
    ingested = await ingest(event);
  } catch (error) {
    // Retried by Lambda, then dead-lettered: the dashboard shows each failed attempt.
    metrics.addMetric('EventIngestionFailed', MetricUnit.Count, 1);
    throw error;
  }
  const { result, subject } = ingested;
  metrics.addMetric('EventsIngested', MetricUnit.Count, 1);
  if (result.outcome === 'opened') metrics.addMetric('IncidentsOpened_monitoring', MetricUnit.Count, 1);
  metrics.addMetric(`MonitoringEvent_${result.outcome}`, MetricUnit.Count, 1);
  logger.info('monitoring event ingested', { ...subject, ...result });
  return result;
};

export const handler = middy(run).use(traceHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
