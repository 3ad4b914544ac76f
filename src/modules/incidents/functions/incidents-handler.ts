import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type IncidentDeps } from '../app/incident-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbIncidentRepository } from '../adapters/dynamodb-incident-repository';
import { DynamoDbReportAggregates } from '../adapters/report-aggregates';
import { DynamoDbChangeRepository } from '../../changes/adapters';
import { CachedServiceCatalogue, DynamoDbCatalogueRepository } from '../../catalogue/adapters';
import { DynamoDbIdempotencyMarkers } from '../../../kernel/adapters/dynamodb-idempotency-markers';
import { DynamoDbKnowledgeSearch, DynamoDbResolutionDrafts } from '../../problems/adapters';
import { slaPolicyOf } from '../app/sla-use-cases';
import { createHttpHandler } from '../../../kernel/http/http-router';
import { INCIDENT_ROUTES, type IncidentHttpDeps } from '../http/routes';
import { createIdempotencyGuard } from '../../../kernel/http/idempotent-requests';
import { createClock, createObservability, loadClientSettings, readEnvironment } from '../../../platform/runtime-environment';
import { INCIDENTS_ENVIRONMENT } from './environment';
import { auditTrailOf, createAuditLog, requestScopedAuditPuts } from '../../../platform/request-context';
import { findingArchiveDeps } from './finding-archiver-factory';

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
const deps: IncidentDeps = {
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
    contacts: settings.contacts,
    intake: settings.intake,
    ...(settings.disasterRecoveryPlan && { disasterRecoveryPlan: settings.disasterRecoveryPlan }),
    syncToServiceNow: settings.integrations.servicenow?.enabled === true,
  },
  // Notifications and the SLA workflow's start are stored as outbox items with each change and
  // delivered by the outbox consumer (src/modules/outbox), not from here.
  // A resolution's notes become a draft article in the problems table (PutItem on KA# keys only).
  resolutionDrafts: {
    drafts: new DynamoDbResolutionDrafts(documents, env.problemsTable),
    onFailure: (error, draft) => {
      observability.logger.error('resolution draft not stored', { error: error as Error, draft });
      observability.metrics.addMetric('ResolutionDraftFailed', MetricUnit.Count, 1);
    },
  },
  ...findingArchiveDeps(settings, observability),
};
// Requests transferred to incidents: GetItem and a version-conditioned Put of request items only
// (the role's grant on the changes table is limited to REQUEST# keys).
const requests = new DynamoDbChangeRepository(documents, env.changesTable);
// Suggestions at logging: known errors and articles from the problems table (GetItem, Query on bySearchTerm).
const knowledge = new DynamoDbKnowledgeSearch(documents, env.problemsTable);
const reportAggregates = new DynamoDbReportAggregates(documents, env.incidentsTable);
const httpDeps: IncidentHttpDeps = { ...deps, requests, knowledge, slaPolicy, reportAggregates, metrics: observability.metrics, logger: observability.logger };

/** The routes this function serves, declared in ../http/routes.ts. */
export const routes = INCIDENT_ROUTES;

export const handler = createHttpHandler(routes, httpDeps, observability, {
  idempotency: createIdempotencyGuard(dynamoDb, env.idempotencyTable),
  audit,
});
