import type { Context, ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { createClock, createObservability, loadClientSettings, readEnvironment, traceHandler } from '../../../platform/runtime-environment';
import { DynamoDbOutbox } from '../adapters/dynamodb-outbox';
import { DynamoDbOpenSlaClocks } from '../adapters/dynamodb-open-sla-clocks';
import { SfnSlaExecutions } from '../adapters/sfn-sla-executions';
import { reconcileEffects, totalRepaired, type ReconcileOutcome } from '../app/reconcile-effects';
import { OUTBOX_RECONCILER_ENVIRONMENT } from './environment';
import { createEffectDelivery } from './effect-delivery-factory';

/**
 * The outbox reconciler, on a schedule: delivers outbox items the stream left behind (older than
 * the grace), and starts the SLA workflow of open incidents whose current clock generation has no
 * execution. Each repair is counted in `EffectsRepaired` (dimension `kind`): a repair means
 * something failed silently, and a health alarm fires on it.
 */
const env = readEnvironment(OUTBOX_RECONCILER_ENVIRONMENT);
const observability = createObservability('outbox-reconciler');
const { logger, metrics, tracer } = observability;
const settings = loadClientSettings();
const documents = tracer.captureAWSv3Client(createDocumentClient());
const clock = createClock();
const deps = {
  outbox: new DynamoDbOutbox(documents, env.incidentsTable),
  clocks: new DynamoDbOpenSlaClocks(documents, env.incidentsTable),
  executions: new SfnSlaExecutions(tracer.captureAWSv3Client(new SFNClient({})), env.slaStateMachine),
  clock,
  ...createEffectDelivery({ env, documents, settings, clock, observability }),
};

const run = async (_event: ScheduledEvent, _context: Context): Promise<ReconcileOutcome> => {
  const outcome = await reconcileEffects(deps, undefined, (error, what) => logger.error('repair failed; the next run tries again', { what, error: error as Error }));
  for (const [kind, count] of Object.entries(outcome.repaired)) {
    // One metric per kind, each with its own dimension (a single-metric object keeps dimensions apart).
    const single = metrics.singleMetric();
    single.addDimension('kind', kind);
    single.addMetric('EffectsRepaired', MetricUnit.Count, count ?? 0);
  }
  // Always emitted, so the alarm's metric has data when all is well.
  metrics.addMetric('EffectsRepairedTotal', MetricUnit.Count, totalRepaired(outcome));
  if (outcome.failed > 0) metrics.addMetric('EffectRepairsFailed', MetricUnit.Count, outcome.failed);
  if (totalRepaired(outcome) > 0) logger.warn('effects repaired: something failed silently', { ...outcome });
  else logger.info('outbox reconciled, nothing to repair', { ...outcome });
  return outcome;
};

export const handler = middy(run).use(traceHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
