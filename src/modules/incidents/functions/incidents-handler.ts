import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type IncidentDeps } from '../app/incident-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbIncidentRepository } from '../adapters/dynamodb-incident-repository';
import { DynamoDbReportAggregates } from '../adapters/report-aggregates';
import { DynamoDbChangeRepository } from '../../changes/adapters';
import { DynamoDbClientSlaStore } from '../../servicenow/adapters';
import { CachedServiceCatalogue, DynamoDbCatalogueRepository } from '../../catalogue/adapters';
import { DynamoDbIdempotencyMarkers } from '../../../kernel/adapters/dynamodb-idempotency-markers';
import { DynamoDbIncidentRootCauses, DynamoDbKnowledgeSearch } from '../../problems/adapters';
import { slaPolicyOf } from '../app/sla-use-cases';
import { createHttpHandler } from '../../../kernel/http/http-router';
import { INCIDENT_ROUTES, type IncidentHttpDeps } from '../http/routes';
import { createIdempotencyGuard } from '../../../kernel/http/idempotent-requests';
import { createClock, createObservability, loadClientSettings, readEnvironment } from '../../../platform/runtime-environment';
import { INCIDENTS_ENVIRONMENT } from './environment';
import { auditTrailOf, createAuditLog, requestScopedAuditPuts } from '../../../platform/request-context';
import { builtFromContacts, createClientContactsSource, type ClientContacts } from '../../../platform/client-contacts';

const env = readEnvironment(INCIDENTS_ENVIRONMENT);
const observability = createObservability('incidents');
const settings = loadClientSettings();
const dynamoDb = observability.tracer.captureAWSv3Client(new DynamoDBClient({}));
const clock = createClock();
// One document client for every table the function reads and writes.
const documents = createDocumentClient(dynamoDb);
const auditTrail = auditTrailOf({ documents, clock, ids: { newId: () => randomUUID() } });
const audit = createAuditLog(auditTrail, observability);
// Idempotency-Key on POST /incidents: a marker in the incident's own transaction (the other POST
// routes of this function keep the router's Powertools guard, on the same table).
const markers = new DynamoDbIdempotencyMarkers(documents, env.idempotencyTable, clock);
const slaPolicy = slaPolicyOf(settings);
// The client's contacts (escalations, major-incident and security notices): from their secret, on the first request.
const contactsSource = createClientContactsSource({ secretArn: env.clientContactsSecret, tracer: observability.tracer });
const depsWith = (contacts: ClientContacts): IncidentDeps => ({
  // Incident changes carry their audit record (and, with a key, the marker) in their own transaction.
  incidents: new DynamoDbIncidentRepository(documents, env.incidentsTable, requestScopedAuditPuts(auditTrail), markers, slaPolicy, settings.retention.outboxItems),
  // Kept per container for 30 s (a retired service is refused within that time).
  services: new CachedServiceCatalogue(new DynamoDbCatalogueRepository(documents, env.catalogueTable)),
  markers,
  clock,
  ids: { newId: () => randomUUID() },
  audit,
  rules: {
    matrix: settings.priorityMatrix,
    usersAffected: settings.priorityThresholds.usersAffected,
    concurrentIncidents: settings.priorityThresholds.concurrentIncidents,
  },
  settings: {
    clientId: settings.id,
    autoCloseAfter: settings.autoCloseAfter,
    contacts,
    intake: settings.intake,
    ...(settings.disasterRecoveryPlan && { disasterRecoveryPlan: settings.disasterRecoveryPlan }),
    ...(settings.recoveryObjectives && { recoveryObjectives: settings.recoveryObjectives }),
    syncToServiceNow: settings.integrations.servicenow?.enabled === true,
    archiveFindingsOnClose: settings.monitoring.archiveFindingsOnClose,
    // A resolution's notes become a draft article: an outbox effect the outbox consumer stores.
    draftArticlesFromResolutions: true,
  },
  // Notifications and the SLA workflow's start are stored as outbox items with each change and
  // delivered by the outbox consumer (src/modules/outbox), not from here.
});
// Requests transferred to incidents: GetItem and a version-conditioned Put of request items only
// (the role's grant on the changes table is limited to REQUEST# keys).
const requests = new DynamoDbChangeRepository(documents, env.changesTable);
// Suggestions at logging: known errors and articles from the problems table (GetItem, Query on bySearchTerm).
const knowledge = new DynamoDbKnowledgeSearch(documents, env.problemsTable);
const reportAggregates = new DynamoDbReportAggregates(documents, env.incidentsTable);
// Incident reports: the problems an incident is linked to (Query on byIncident) and their known errors.
const rootCauses = new DynamoDbIncidentRootCauses(documents, env.problemsTable);
// The client's own clocks (their ServiceNow's task_sla, read by the exchange), beside ours: BatchGetItem, 100 incidents a call.
const clientSlas = settings.integrations.servicenow?.enabled ? new DynamoDbClientSlaStore(documents, env.incidentsTable) : undefined;
const httpDepsWith = (contacts: ClientContacts): IncidentHttpDeps => ({
  ...depsWith(contacts),
  requests,
  knowledge,
  rootCauses,
  slaPolicy,
  reportAggregates,
  ...(clientSlas && { clientSlas }),
  metrics: observability.metrics,
  logger: observability.logger,
});

/** The routes this function serves, declared in ../http/routes.ts. */
export const routes = INCIDENT_ROUTES;

const idempotency = createIdempotencyGuard(dynamoDb, env.idempotencyTable);
// Built on the first request and again when the contacts change (a deploy replaced the secret's value).
const http = builtFromContacts(contactsSource, (contacts) => createHttpHandler(routes, httpDepsWith(contacts), observability, { idempotency, audit }));

export const handler = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => (await http())(event, context);
