import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { alarmTrackingPolicyOf, checkSlaClocks, slaPolicyOf, type SlaCheckResult } from '../app/sla-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbIncidentRepository } from '../adapters/dynamodb-incident-repository';
import { DynamoDbCatalogueRepository } from '../../catalogue/adapters';
import { DynamoDbPagingSource } from '../../oncall/adapters';
import { callCentreWebhooksEnabled } from '../../oncall/functions';
import { auditTrailOf, requestScopedAuditPuts, withRequestContext } from '../../../platform/request-context';
import { slaRunSchema } from '../schemas/sla-schemas';
import { createClock, createObservability, loadClientSettings, readEnvironment, traceHandler } from '../../../platform/runtime-environment';
import { SLA_CLOCK_ENVIRONMENT } from './environment';
import { builtFromContacts, createClientContactsSource } from '../../../platform/client-contacts';

const env = readEnvironment(SLA_CLOCK_ENVIRONMENT);

/**
 * The task of the SLA workflow: each time the workflow wakes up it asks this function what has
 * fallen due (warnings, breaches, escalation steps), which records it with its notifications (outbox effects, sent by the outbox consumer), and answers
 * when to wake up next or that the execution is done.
 */
const { logger, metrics, tracer } = createObservability('sla-clock');
const settings = loadClientSettings();
const documents = tracer.captureAWSv3Client(createDocumentClient());
const clock = createClock();
const auditTrail = auditTrailOf({ documents, clock, ids: { newId: () => randomUUID() } });
// Escalation levels name the client's contacts: from their secret, before each check.
const depsOf = builtFromContacts(createClientContactsSource({ secretArn: env.clientContactsSecret, tracer }), (contacts) => ({
  // Incident changes carry their audit record in their own transaction.
  incidents: new DynamoDbIncidentRepository(documents, env.incidentsTable, requestScopedAuditPuts(auditTrail), undefined, slaPolicyOf(settings), settings.retention.outboxItems),
  services: new DynamoDbCatalogueRepository(documents, env.catalogueTable),
  // Escalation policies, schedules and the paging directory (the on-call table, read only).
  paging: new DynamoDbPagingSource({ documents, tableName: env.oncallTable }),
  // External webhook targets are paged through the outbox where their signing key is configured.
  callCentreWebhooks: callCentreWebhooksEnabled(settings),
  clock,
  policy: slaPolicyOf(settings),
  promotion: {
    policy: alarmTrackingPolicyOf(settings.monitoring),
    after: settings.monitoring.warningPromotionAfter,
    rules: { matrix: settings.priorityMatrix, ...settings.priorityThresholds },
  },
  clientId: settings.id,
  contacts,
}));

const run = async (input: unknown, context: Context): Promise<SlaCheckResult> => withRequestContext({ requestId: context.awsRequestId }, () => check(input));

const check = async (input: unknown): Promise<SlaCheckResult> => {
  const parsed = slaRunSchema.safeParse(input);
  // A malformed input can only come from a wrong start: end that execution rather than retry it.
  if (!parsed.success) {
    logger.error('SLA workflow input refused', { issues: parsed.error.issues });
    return { done: true, reason: `invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, sent: [] };
  }
  const result = await checkSlaClocks(await depsOf(), parsed.data);
  for (const key of result.sent) {
    if (key.startsWith('paging:')) {
      if (key !== 'paging:stopped') metrics.addMetric('Pages', MetricUnit.Count, 1);
      continue;
    }
    const kind = key.includes(':escalation:') ? 'SlaEscalations' : key.endsWith(':breach') ? 'SlaBreaches' : 'SlaWarnings';
    metrics.addMetric(kind, MetricUnit.Count, 1);
  }
  // Published on every check, zero included, so the alarm always has datapoints to judge.
  metrics.addMetric('PagingGaps', MetricUnit.Count, result.pagingGaps ?? 0);
  logger.info('SLA check', { ...parsed.data, ...result });
  return result;
};

export const handler = middy(run).use(traceHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
