import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context, ScheduledEvent } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbAuditTrail } from '../../../kernel/adapters/dynamodb-audit-trail';
import { createHttpHandler } from '../../../kernel/http/http-router';
import { personRecords, policyRecords, scheduleRecords } from '../adapters/dynamodb-versioned-records';
import type { PolicyDeps } from '../app/policy-use-cases';
import { defaultPolicyFromContacts } from '../domain';
import { checkScheduleGaps, GAP_HORIZON_DAYS, type ScheduleDeps } from '../app/schedule-use-cases';
import { ONCALL_ROUTES, type OnCallHttpDeps } from '../http/routes';
import { requestScopedAuditLog } from '../../../platform/request-context';
import { createClock, createObservability, loadClientSettings, readEnvironment } from '../../../platform/runtime-environment';
import { ONCALL_ENVIRONMENT } from './environment';
import { builtFromContacts, createClientContactsSource, type ClientContacts } from '../../../platform/client-contacts';

/**
 * The on-call function (function group `oncall`): the schedule routes, and, invoked by its daily
 * EventBridge rule, the gap check, which publishes `OnCallGaps` (schedules with nobody on call at
 * some point of the next 14 days; alarmed by OnCallModule). One function for both: the stack's
 * resource budget has no room for a second.
 */
const env = readEnvironment(ONCALL_ENVIRONMENT);
const observability = createObservability('oncall');
const { logger, metrics, tracer } = observability;
const settings = loadClientSettings();
const clock = createClock();
const ids = { newId: () => randomUUID() };
const documents = createDocumentClient(tracer.captureAWSv3Client(new DynamoDBClient({})));
const schedules = scheduleRecords(documents, env.oncallTable);
const audit = requestScopedAuditLog(new DynamoDbAuditTrail(documents, env.auditTable, { clock, ids }), (error, entry) => {
  logger.error('audit record not appended', { error: error as Error, entry });
  metrics.addMetric('AuditWriteFailed', MetricUnit.Count, 1);
});
const scheduleDeps: ScheduleDeps = { schedules, clock, ids, audit, calendarDomain: `${settings.id}.rowe-itsm` };
const policyDepsWith = (contacts: ClientContacts): PolicyDeps => ({
  policies: policyRecords(documents, env.oncallTable),
  schedules,
  clock,
  ids,
  audit,
  // Clients without policies keep their configured escalation: contacts #1–#3, then the service owner.
  defaultPolicy: defaultPolicyFromContacts({ ...settings.sla.escalation, nominated: contacts.nominated }),
});
const people = { people: personRecords(documents, env.oncallTable), clock, audit };

/** The routes this function serves, declared in ../http/routes.ts. */
export const routes = ONCALL_ROUTES;

// The default policy names the client's contacts: from their secret, on the first request and again when they change.
const contactsSource = createClientContactsSource({ secretArn: env.clientContactsSecret, tracer });
const httpOf = builtFromContacts(contactsSource, (contacts) =>
  createHttpHandler(routes, { schedules: scheduleDeps, policies: policyDepsWith(contacts), people } satisfies OnCallHttpDeps, observability, { audit }),
);

const gapCheck = middy(async (_event: ScheduledEvent): Promise<{ schedules: number; withGaps: number }> => {
  const result = await checkScheduleGaps({ schedules, clock });
  // Published every run, zero included, so the alarm always has a datapoint to judge.
  metrics.addMetric('OnCallGaps', MetricUnit.Count, result.withGaps.length);
  for (const schedule of result.withGaps) logger.warn('on-call gap ahead', { schedule: schedule.id, name: schedule.name, horizonDays: GAP_HORIZON_DAYS, gaps: schedule.gaps });
  logger.info('on-call gap check finished', { schedules: result.schedules, withGaps: result.withGaps.length });
  return { schedules: result.schedules, withGaps: result.withGaps.length };
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));

const isScheduledEvent = (event: unknown): event is ScheduledEvent =>
  typeof event === 'object' && event !== null && (event as { 'detail-type'?: unknown })['detail-type'] === 'Scheduled Event';

export const handler = async (event: APIGatewayProxyEvent | ScheduledEvent, context: Context) =>
  isScheduledEvent(event) ? gapCheck(event, context) : (await httpOf())(event, context);
