import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { chainAuditRecords } from '../app/audit-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbAuditTrail, sha256Hex } from '../../../kernel/adapters/dynamodb-audit-trail';
import { createClock, createObservability, readEnvironment, traceHandler } from '../../../platform/runtime-environment';
import { AUDIT_CHAINER_ENVIRONMENT } from './environment';
import { createChainIntegrity } from './chain-integrity-factory';

const env = readEnvironment(AUDIT_CHAINER_ENVIRONMENT);

/**
 * Runs on a schedule (every minute), one at a time (reserved concurrency 1): links the audit
 * records written since the last run into the chain (see audit-use-cases.ts, chainAuditRecords).
 */
const { logger, metrics, tracer } = createObservability('audit-chainer');
const clock = createClock();
const trail = new DynamoDbAuditTrail(tracer.captureAWSv3Client(createDocumentClient()), env.auditTable, { clock, ids: { newId: () => randomUUID() } });

const integrity = createChainIntegrity(tracer, { sealKey: env.auditSealKey, anchorBucket: env.auditAnchorBucket });

const run = async (_event: ScheduledEvent): Promise<{ chained: number }> => {
  const chained = await chainAuditRecords({ chain: trail, sha256: sha256Hex, clock, ...integrity });
  metrics.addMetric('AuditRecordsChained', MetricUnit.Count, chained);
  logger.info('audit chainer run finished', { chained });
  return { chained };
};

export const handler = middy(run).use(traceHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
