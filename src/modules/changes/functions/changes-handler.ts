import { randomUUID } from 'node:crypto';
import { slaPolicyOf } from '../../incidents/app';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type RequestDeps } from '../app/request-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbAuditTrail } from '../../../kernel/adapters/dynamodb-audit-trail';
import { DynamoDbCatalogueRepository } from '../../catalogue/adapters';
import { DynamoDbChangeRepository } from '../adapters/dynamodb-change-repository';
import { DynamoDbIncidentRepository } from '../../incidents/adapters';
import { createHttpHandler } from '../../../kernel/http/http-router';
import { CHANGE_ROUTES } from '../http/routes';
import { createIdempotencyGuard } from '../../../kernel/http/idempotent-requests';
import { requestScopedAuditLog } from '../../../platform/request-context';
import { createClock, createObservability, loadClientSettings, readEnvironment } from '../../../platform/runtime-environment';
import { CHANGES_ENVIRONMENT } from './environment';

const env = readEnvironment(CHANGES_ENVIRONMENT);
const observability = createObservability('changes');
const settings = loadClientSettings();
const dynamoDb = observability.tracer.captureAWSv3Client(new DynamoDBClient({}));
const documents = createDocumentClient(dynamoDb);
const clock = createClock();
const ids = { newId: () => randomUUID() };
const audit = requestScopedAuditLog(new DynamoDbAuditTrail(documents, env.auditTable, { clock, ids }), (error, entry) => {
  observability.logger.error('audit record not appended', { error: error as Error, entry });
  observability.metrics.addMetric('AuditWriteFailed', MetricUnit.Count, 1);
});
// The approvers' notice is an outbox item in the incidents table, in the assessment's own transaction
// (the outbox consumer publishes it on the escalation topic, attribute kind=change-approval).
// A change the client approves in their ServiceNow is mirrored there through the outbox too.
const repository = new DynamoDbChangeRepository(documents, env.changesTable, env.incidentsTable, settings.retention.outboxItems);
const deps: RequestDeps = {
  changes: repository,
  requests: repository,
  requestPolicy: settings.requests,
  intake: settings.intake,
  catalogue: new DynamoDbCatalogueRepository(documents, env.catalogueTable),
  incidents: new DynamoDbIncidentRepository(documents, env.incidentsTable, undefined, undefined, slaPolicyOf(settings), settings.retention.outboxItems),
  settings: { clientId: settings.id, ...settings.changes, syncToServiceNow: settings.integrations.servicenow?.enabled === true },
  clock,
  ids,
  audit,
};

/** The routes this function serves, declared in ../http/routes.ts. */
export const routes = CHANGE_ROUTES;

// Idempotency-Key on POST works as on incidents: a retried creation does not raise a second change.
export const handler = createHttpHandler(routes, deps, observability, {
  idempotency: createIdempotencyGuard(dynamoDb, env.idempotencyTable),
  audit,
});
