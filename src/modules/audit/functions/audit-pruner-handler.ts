import { randomUUID } from 'node:crypto';
import type { Context, ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { runAuditPruning, type AuditPruningRun } from '../app/audit-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbAuditTrail } from '../../../kernel/adapters/dynamodb-audit-trail';
import { createAuditLog, withRequestContext } from '../../../platform/request-context';
import { createClock, createObservability, loadClientSettings, readEnvironment, traceHandler } from '../../../platform/runtime-environment';
import { AUDIT_PRUNER_ENVIRONMENT } from './environment';

const env = readEnvironment(AUDIT_PRUNER_ENVIRONMENT);

/**
 * Runs daily, one at a time (reserved concurrency 1): removes the audit records older than the
 * client's `retention.auditRecords` with their chain entries, behind the sealed prune marker
 * (see audit-use-cases.ts, pruneAuditRecords), and records the run in the trail. It may delete
 * records and chain entries and put the marker, nothing else; it cannot seal, so it cannot
 * rebuild the chain over what it removed.
 */
const { logger, metrics, tracer } = createObservability('audit-pruner');
const settings = loadClientSettings();
const clock = createClock();
const ids = { newId: () => randomUUID() };
const trail = new DynamoDbAuditTrail(tracer.captureAWSv3Client(createDocumentClient()), env.auditTable, { clock, ids });
const audit = createAuditLog(trail, { logger, metrics });

/** Time kept back from the function's timeout: a batch of 1,000 entries takes well under this. */
const STOP_BEFORE_TIMEOUT_MS = 60_000;

const run = async (_event: ScheduledEvent, context: Context): Promise<AuditPruningRun> => {
  const result = await withRequestContext({ requestId: context.awsRequestId }, () =>
    runAuditPruning(
      { store: trail, clock, retentionDays: settings.retention.auditRecords, audit },
      { mayContinue: () => context.getRemainingTimeInMillis() > STOP_BEFORE_TIMEOUT_MS },
    ),
  );
  metrics.addMetric('AuditRecordsPruned', MetricUnit.Count, result.pruned);
  logger.info('audit pruning run finished', { ...result });
  return result;
};

export const handler = middy(run).use(traceHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
