import type { Context, ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { randomUUID } from 'node:crypto';
import { retireStaleArticles } from '../app/problem-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbProblemRepository } from '../adapters/dynamodb-problem-repository';
import { createClock, createObservability, loadClientSettings, readEnvironment, traceHandler } from '../../../platform/runtime-environment';
import { KNOWLEDGE_RETIREMENT_ENVIRONMENT } from './environment';
import { knowledgeBaseOf } from './knowledge-base-settings';
import { createAuditLog, withRequestContext } from '../../../platform/request-context';

const env = readEnvironment(KNOWLEDGE_RETIREMENT_ENVIRONMENT);

/**
 * Runs on a schedule: archives published knowledge articles nobody has read for the client's
 * knowledgeStaleAfter, recording `system:knowledge-retirement` as who archived them. Archived
 * articles leave search and stay readable by id.
 */
const { logger, metrics, tracer } = createObservability('knowledge-retirement');
const settings = loadClientSettings();
const documents = tracer.captureAWSv3Client(createDocumentClient());
const problems = new DynamoDbProblemRepository(documents, env.problemsTable, env.incidentsTable, settings.retention.outboxItems);
const clock = createClock();
const audit = createAuditLog({ documents, clock, ids: { newId: () => randomUUID() } }, { logger, metrics });

const run = async (_event: ScheduledEvent, context: Context): Promise<{ archived: number }> => {
  // Each archive's audit record carries the run's Lambda request id.
  const archived = await withRequestContext({ requestId: context.awsRequestId }, () => retireStaleArticles({ problems, clock, audit, ...knowledgeBaseOf(settings) }, settings.knowledgeStaleAfter));
  metrics.addMetric('KnowledgeArticlesArchived', MetricUnit.Count, archived);
  logger.info('knowledge retirement run finished', { archived });
  return { archived };
};

export const handler = middy(run).use(traceHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
