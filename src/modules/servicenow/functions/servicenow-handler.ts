import { randomUUID } from 'node:crypto';
import { slaPolicyOf } from '../../incidents/app';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, ScheduledEvent } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbIdempotencyMarkers } from '../../../kernel/adapters/dynamodb-idempotency-markers';
import { verifyWebhookSignature } from '../../../kernel/adapters/webhook-notifier';
import { createHttpHandler } from '../../../kernel/http/http-router';
import { withRequestContext } from '../../../kernel/http/request-scope';
import { auditTrailOf, createAuditLog, requestScopedAuditPuts } from '../../../platform/request-context';
import { createClock, createObservability, loadClientSettings, readEnvironment } from '../../../platform/runtime-environment';
import { CachedServiceCatalogue, DynamoDbCatalogueRepository } from '../../catalogue/adapters';
import { DynamoDbIncidentRepository } from '../../incidents/adapters';
import { DynamoDbChangeRepository } from '../../changes/adapters';
import type { IncidentDeps } from '../../incidents/app';
import { pollChanges, type EventDeps, type PollOutcome } from '../app';
import { SERVICENOW_ROUTES, type ServiceNowHttpDeps } from '../http/routes';
import { SERVICENOW_ENVIRONMENT } from './environment';
import { createServiceNowPushDeps, serviceNowSecrets } from './servicenow-factory';
import { builtFromContacts, createClientContactsSource, type ClientContacts } from '../../../platform/client-contacts';

/**
 * The ServiceNow exchange's one function: the client's business-rule calls and the exceptions'
 * routes (API Gateway), and the reconciliation poll (its schedule). Their changes are applied
 * through the desk's own use cases, as the integration actor, with their audit records.
 */
const env = readEnvironment(SERVICENOW_ENVIRONMENT);
const observability = createObservability('servicenow');
const { logger, metrics, tracer } = observability;
const settings = loadClientSettings();
const documents = createDocumentClient(tracer.captureAWSv3Client(new DynamoDBClient({})));
const clock = createClock();
const ids = { newId: () => randomUUID() };
const auditTrail = auditTrailOf({ documents, clock, ids });
const audit = createAuditLog(auditTrail, observability);
const sn = settings.integrations.servicenow?.enabled ? settings.integrations.servicenow : undefined;

function exchangeOf(config: NonNullable<typeof sn>, contacts: ClientContacts): EventDeps {
  const markers = new DynamoDbIdempotencyMarkers(documents, env.idempotencyTable, clock);
  const desk: IncidentDeps = {
    incidents: new DynamoDbIncidentRepository(documents, env.incidentsTable, requestScopedAuditPuts(auditTrail), markers, slaPolicyOf(settings), settings.retention.outboxItems),
    services: new CachedServiceCatalogue(new DynamoDbCatalogueRepository(documents, env.catalogueTable)),
    markers,
    clock,
    ids,
    audit,
    rules: { matrix: settings.priorityMatrix, ...settings.priorityThresholds },
    settings: { clientId: settings.id, autoCloseAfter: settings.autoCloseAfter, contacts, syncToServiceNow: true },
  };
  const secrets = serviceNowSecrets(config, tracer);
  return {
    ...createServiceNowPushDeps({ settings: config, documents, incidentsTable: env.incidentsTable, changesTable: env.changesTable, clock, ids, tracer }),
    desk,
    // The client approver's vote there is recorded through the changes' vote use case (its mirror's next push goes through the outbox).
    changeDesk: {
      changes: new DynamoDbChangeRepository(documents, env.changesTable, env.incidentsTable, settings.retention.outboxItems),
      clock,
      audit,
      settings: { clientId: settings.id, ...settings.changes, syncToServiceNow: true },
    },
    webhookSecret: () => secrets.webhookSecret(),
    verifySignature: verifyWebhookSignature,
  };
}

/** The routes this function serves, declared in ../http/routes.ts. */
export const routes = SERVICENOW_ROUTES;

// The desk's use cases name the client's contacts (escalations, notices): from their secret, at the
// start of each invocation; the exchange and its routes are built again only when they change.
const served = (exchange: EventDeps | undefined) => ({ exchange, http: createHttpHandler(routes, { exchange } satisfies ServiceNowHttpDeps, observability, { audit }) });
if (sn && !env.clientContactsSecret) throw new Error('The ServiceNow exchange needs the client contacts secret (CLIENT_CONTACTS_SECRET_ARN)');
// Without the exchange nothing here names a contact: the secret is not read.
const withoutExchange = sn ? undefined : served(undefined);
const servedOf = sn
  ? builtFromContacts(createClientContactsSource({ secretArn: env.clientContactsSecret!, tracer }), (contacts) => served(exchangeOf(sn, contacts)))
  : async () => withoutExchange!;

const poll = async (context: Context): Promise<PollOutcome | { skipped: string }> => {
  const { exchange } = await servedOf();
  if (!exchange) return { skipped: 'no ServiceNow integration' };
  return withRequestContext({ requestId: context.awsRequestId }, async () => {
    const onFailure = (error: unknown, sysId: string) => logger.error('record not synced; the next poll reads it again', { sysId, error: error as Error });
    const incidents = await pollChanges(exchange, 'incident', onFailure);
    // Their SLA clocks move without a write of the incident (their SLA job): read on their own watermark.
    const clocks = await pollChanges(exchange, 'task_sla', onFailure);
    const outcome = { ...incidents, applied: incidents.applied + clocks.applied, failed: incidents.failed + clocks.failed, slaClocksRead: clocks.read };
    metrics.addMetric('ServiceNowRecordsApplied', MetricUnit.Count, outcome.applied + outcome.created);
    if (outcome.failed > 0) metrics.addMetric('ServiceNowSyncFailed', MetricUnit.Count, outcome.failed);
    // Records the poll found changed that no business-rule call had brought: missed webhooks.
    logger.info('ServiceNow poll finished', { ...outcome });
    metrics.publishStoredMetrics();
    return outcome;
  });
};

export const handler = async (event: APIGatewayProxyEvent | ScheduledEvent, context: Context): Promise<APIGatewayProxyResult | PollOutcome | { skipped: string }> =>
  'httpMethod' in event ? (await servedOf()).http(event, context) : poll(context);
