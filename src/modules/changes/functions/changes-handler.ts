import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  changeCalendar,
  createChange,
  getChange,
  listChanges,
  serviceMilestones,
  updateChange,
  voteOnChange,
  type ChangeUpdate,
} from '../app/change-use-cases';
import { commentOnRequest, getRequest, listRequests, requestsChangesReport, submitRequest, transfer, updateRequest, type RequestDeps } from '../app/request-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbAuditTrail } from '../../../kernel/adapters/dynamodb-audit-trail';
import { DynamoDbCatalogueRepository } from '../../catalogue/adapters/dynamodb-catalogue-repository';
import { DynamoDbChangeRepository } from '../adapters/dynamodb-change-repository';
import { DynamoDbIncidentRepository } from '../../incidents/adapters/dynamodb-incident-repository';
import { createSnsNotifier } from '../../../platform/notifier-factory';
import {
  calendarQuerySchema,
  changeIdSchema,
  createChangeBodySchema,
  listChangesQuerySchema,
  milestonesQuerySchema,
  updateChangeBodySchema,
  voteBodySchema,
  createRequestBodySchema,
  listRequestsQuerySchema,
  requestCommentBodySchema,
  requestIdSchema,
  transferRequestBodySchema,
  updateRequestBodySchema,
  requestsChangesQuerySchema,
} from '../schemas/change-schemas';
import type { ChangeInput } from '../domain/change';
import { authenticated, basePath, createHttpHandler, type RouteTable } from '../../../kernel/http/http-router';
import { createIdempotencyGuard } from '../../../kernel/http/idempotent-requests';
import { ifMatchVersion, parseJsonBody, parseQuery, validate } from '../../../kernel/http/http-request';
import { representation } from '../../../kernel/http/representation';
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
const repository = new DynamoDbChangeRepository(documents, env.changesTable);
const deps: RequestDeps = {
  changes: repository,
  requests: repository,
  requestPolicy: settings.requests,
  catalogue: new DynamoDbCatalogueRepository(documents, env.catalogueTable),
  incidents: new DynamoDbIncidentRepository(documents, env.incidentsTable),
  // Approvers are notified on the escalation topic (attribute kind=change-approval).
  notifier: createSnsNotifier(
    { 'major-incident': undefined, escalation: env.escalationTopic, security: undefined },
    observability.tracer,
  ),
  settings: { clientId: settings.id, ...settings.changes },
  clock,
  ids,
  audit,
  onNotificationFailure: (error, topic) => {
    observability.logger.error('notification not sent', { error: error as Error, topic });
    observability.metrics.addMetric('NotificationFailed', MetricUnit.Count, 1);
  },
};

const requestId = (params: Record<string, string | undefined> | null) => validate(requestIdSchema, params?.['id'], 'id');
const changeId = (params: Record<string, string | undefined> | null) => validate(changeIdSchema, params?.['id'], 'id');

export const routes: RouteTable = {
  'POST /changes': authenticated(async ({ event, caller }) => {
    const change = await createChange(deps, caller, parseJsonBody(event, createChangeBodySchema));
    return representation(change, 201, { Location: `${basePath(event)}/changes/${change.id}` });
  }),
  'GET /changes': authenticated(async ({ event, caller }) => ({ status: 200, body: await listChanges(deps, caller, parseQuery(event, listChangesQuerySchema)) })),
  'GET /changes/calendar': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await changeCalendar(deps, caller, parseQuery(event, calendarQuerySchema)),
  })),
  'GET /changes/milestones': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await serviceMilestones(deps, caller, parseQuery(event, milestonesQuerySchema)),
  })),
  'GET /changes/{id}': authenticated(async ({ event, caller }) => representation(await getChange(deps, caller, changeId(event.pathParameters)), 200)),
  'PATCH /changes/{id}': authenticated(async ({ event, caller }) => {
    const id = changeId(event.pathParameters);
    const update = parseJsonBody(event, updateChangeBodySchema) as ChangeUpdate;
    return representation(await updateChange(deps, caller, id, update, ifMatchVersion(event)), 200);
  }),
  'POST /changes/{id}/approvals': authenticated(async ({ event, caller }) => {
    const id = changeId(event.pathParameters);
    return representation(await voteOnChange(deps, caller, id, parseJsonBody(event, voteBodySchema)), 200);
  }),
  'GET /reports/requests-changes': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await requestsChangesReport(deps, caller, parseQuery(event, requestsChangesQuerySchema)),
  })),
  'POST /requests': authenticated(async ({ event, caller }) => {
    const request = await submitRequest(deps, caller, parseJsonBody(event, createRequestBodySchema));
    return representation(request, 201, { Location: `${basePath(event)}/requests/${request.id}` });
  }),
  'GET /requests': authenticated(async ({ event, caller }) => ({ status: 200, body: await listRequests(deps, caller, parseQuery(event, listRequestsQuerySchema)) })),
  'GET /requests/{id}': authenticated(async ({ event, caller }) => representation(await getRequest(deps, caller, requestId(event.pathParameters)), 200)),
  'PATCH /requests/{id}': authenticated(async ({ event, caller }) => {
    const id = requestId(event.pathParameters);
    return representation(await updateRequest(deps, caller, id, parseJsonBody(event, updateRequestBodySchema), ifMatchVersion(event)), 200);
  }),
  'POST /requests/{id}/comments': authenticated(async ({ event, caller }) => {
    const id = requestId(event.pathParameters);
    return representation(await commentOnRequest(deps, caller, id, parseJsonBody(event, requestCommentBodySchema).text), 200);
  }),
  'POST /requests/{id}/transfer': authenticated(async ({ event, caller }) => {
    const id = requestId(event.pathParameters);
    const body = parseJsonBody(event, transferRequestBodySchema);
    const target = body.to === 'incident' ? body : { to: 'change' as const, change: body.change as ChangeInput };
    const { request, change } = await transfer(deps, caller, id, target, ifMatchVersion(event));
    return representation(request, 200, change ? { Link: `<${basePath(event)}/changes/${change}>; rel="related"` } : {});
  }),
};

// Idempotency-Key on POST works as on incidents: a retried creation does not raise a second change.
export const handler = createHttpHandler(routes, observability, {
  idempotency: createIdempotencyGuard(dynamoDb, env.idempotencyTable),
  audit,
});
