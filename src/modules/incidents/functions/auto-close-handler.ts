import { randomUUID } from 'node:crypto';
import { slaPolicyOf } from '../app/sla-use-cases';
import type { Context, ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { autoCloseResolvedIncidents, type IncidentDeps } from '../app/incident-use-cases';
import { escalateOverdueReviewActions, type ReviewEscalationDeps } from '../app/major-incident-use-cases';
import { DynamoDbCatalogueRepository } from '../../catalogue/adapters';
import { DynamoDbPagingSource } from '../../oncall/adapters';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbIncidentRepository } from '../adapters/dynamodb-incident-repository';
import { DynamoDbBacklogRecount } from '../adapters/report-aggregates';
import { recountBacklog } from '../app/backlog-recount';
import { createClock, createObservability, loadClientSettings, readEnvironment, traceHandler } from '../../../platform/runtime-environment';
import { AUTO_CLOSE_ENVIRONMENT } from './environment';
import { builtFromContacts, createClientContactsSource } from '../../../platform/client-contacts';
import { auditTrailOf, createAuditLog, requestScopedAuditPuts, withRequestContext } from '../../../platform/request-context';

const env = readEnvironment(AUTO_CLOSE_ENVIRONMENT);

/**
 * Runs on a schedule: closes resolved incidents that nobody confirmed or rejected within the
 * client's autoCloseAfter period, recording `system:auto-close` as who closed them; then escalates
 * overdue post-incident-review actions to the service's current owner and tells each action's owner
 * (a notice through the outbox, once per due date), recording `system:review-actions`; then
 * recounts the backlog items (open incidents per service) and corrects any that drifted
 * (app/backlog-recount.ts): incidents logged before the aggregates, at its first runs.
 */
const { logger, metrics, tracer } = createObservability('auto-close');
const settings = loadClientSettings();
const documents = tracer.captureAWSv3Client(createDocumentClient());
const clock = createClock();
const ids = { newId: () => randomUUID() };
const auditTrail = auditTrailOf({ documents, clock, ids });
// Each closure carries its audit record in its own transaction.
const incidents = new DynamoDbIncidentRepository(documents, env.incidentsTable, requestScopedAuditPuts(auditTrail), undefined, slaPolicyOf(settings), settings.retention.outboxItems);
const audit = createAuditLog(auditTrail, { logger, metrics });
const backlog = new DynamoDbBacklogRecount(documents, env.incidentsTable);
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// The job's deps: closures and review-action escalations each carry their audit record in their own transaction.
const depsOf = builtFromContacts(createClientContactsSource({ secretArn: env.clientContactsSecret, tracer }), (contacts): IncidentDeps & ReviewEscalationDeps => ({
  incidents,
  clock,
  ids,
  audit,
  rules: { matrix: settings.priorityMatrix, ...settings.priorityThresholds },
  settings: { clientId: settings.id, autoCloseAfter: settings.autoCloseAfter, contacts, syncToServiceNow: settings.integrations.servicenow?.enabled === true,
    archiveFindingsOnClose: settings.monitoring.archiveFindingsOnClose,
  },
  // Overdue review actions escalate to the service's owner as the catalogue names them now (read only).
  services: new DynamoDbCatalogueRepository(documents, env.catalogueTable),
  // The action owners' contact details: the people directory of the on-call table (read only).
  people: new DynamoDbPagingSource({ documents, tableName: env.oncallTable }),
}));

const run = async (_event: ScheduledEvent, context: Context): Promise<{ closed: number; reviewActionsEscalated: number; backlogItemsCorrected: number }> => {
  const deps = await depsOf();
  // Each closure's audit record carries the run's Lambda request id.
  const closed = await withRequestContext({ requestId: context.awsRequestId }, () => autoCloseResolvedIncidents(deps));
  metrics.addMetric('IncidentsAutoClosed', MetricUnit.Count, closed);
  const reviewActionsEscalated = await withRequestContext({ requestId: context.awsRequestId }, () => escalateOverdueReviewActions(deps));
  metrics.addMetric('ReviewActionsEscalated', MetricUnit.Count, reviewActionsEscalated);
  const recount = await recountBacklog({ backlog, pause });
  // Always emitted: after the first runs on a desk, a correction means a change missed its backlog item.
  metrics.addMetric('BacklogItemsCorrected', MetricUnit.Count, recount.corrected.length);
  if (recount.corrected.length > 0) logger.warn('backlog items corrected', { ...recount });
  if (recount.truncated) logger.warn('backlog not recounted: more open incidents than the recount reads', { openIncidents: recount.openIncidents });
  logger.info('auto-close run finished', { closed, reviewActionsEscalated, backlogItemsCorrected: recount.corrected.length, backlogUnsettled: recount.unsettled });
  return { closed, reviewActionsEscalated, backlogItemsCorrected: recount.corrected.length };
};


export const handler = middy(run).use(traceHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
