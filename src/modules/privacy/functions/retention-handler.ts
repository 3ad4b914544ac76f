import { randomUUID } from 'node:crypto';
import type { Context, ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { pseudonymiseClosedRecords, type PseudonymisationRun } from '../app';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { createAuditLog, withRequestContext } from '../../../platform/request-context';
import { createClock, createObservability, loadClientSettings, readEnvironment, traceHandler } from '../../../platform/runtime-environment';
import { closedRecordStores } from './closed-record-stores';
import { RETENTION_ENVIRONMENT } from './environment';

const env = readEnvironment(RETENTION_ENVIRONMENT);

/**
 * Runs daily, one at a time (reserved concurrency 1): pseudonymises the incidents, requests,
 * changes and problems closed longer ago than the client's `retention` (see
 * pseudonymise-closed-records.ts), at most MAX_RECORDS a run, and records the run in the audit
 * trail as `system:retention`, with counts only.
 */
const { logger, metrics, tracer } = createObservability('retention');
const settings = loadClientSettings();
const documents = tracer.captureAWSv3Client(createDocumentClient());
const clock = createClock();
const ids = { newId: () => randomUUID() };
const stores = closedRecordStores(documents, { incidents: env.incidentsTable, changes: env.changesTable, problems: env.problemsTable });
const audit = createAuditLog({ documents, clock, ids }, { logger, metrics });

/** Records a run pseudonymises at most (a few reads and writes each: well within the timeout). */
const MAX_RECORDS = 500;

const run = async (_event: ScheduledEvent, context: Context): Promise<PseudonymisationRun> => {
  const result = await withRequestContext({ requestId: context.awsRequestId }, () =>
    pseudonymiseClosedRecords({ stores, retention: settings.retention, clock, ids, audit }, MAX_RECORDS),
  );
  metrics.addMetric('RecordsPseudonymised', MetricUnit.Count, Object.values(result.records).reduce((sum, n) => sum + (n ?? 0), 0));
  logger.info('retention run finished', { ...result });
  return result;
};

export const handler = middy(run).use(traceHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
