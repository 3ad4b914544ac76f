import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { ClientSettings } from '../../../config/client-settings-schema';
import { adapterOverride } from '../../../kernel/runtime/adapter-overrides';
import { lazily } from '../../../kernel/runtime/lazy-factory';
import { CallCentreWebhook, type CallCentreRefusal } from '../adapters/call-centre-webhook';
import { LOCAL_CALL_CENTRES } from './adapter-keys';

/**
 * The call-centre webhook of the outbox functions, or undefined where the client config names no
 * signing key. The key is read from Secrets Manager on the first page (cached five minutes); a
 * permanent refusal is logged and counted (PageWebhookRefused), never retried.
 */
export function createCallCentreWebhook(options: {
  readonly settings: Pick<ClientSettings, 'integrations'>;
  readonly clock: { now(): Date };
  readonly observability: { readonly logger: Logger; readonly metrics: Metrics; readonly tracer: Tracer };
}): CallCentreWebhook | undefined {
  const { logger, metrics, tracer } = options.observability;
  const onRefused = (refusal: CallCentreRefusal) => {
    logger.error('call centre webhook refused the page for good; not retried', { ...refusal });
    metrics.addMetric('PageWebhookRefused', MetricUnit.Count, 1);
  };
  const local = adapterOverride(LOCAL_CALL_CENTRES);
  if (local) return new CallCentreWebhook({ signingKey: () => local.signingKey(), localHosts: local.localHosts, clock: options.clock, onRefused });
  const config = options.settings.integrations.callCentreWebhooks;
  if (!config) return undefined;
  const secrets = lazily(async () => (await import('../../../platform/on-demand/secrets-manager-client')).createSecretSource(tracer));
  return new CallCentreWebhook({ signingKey: async () => (await secrets()).secretString(config.secretArn), clock: options.clock, timeoutMs: config.timeoutMs, onRefused });
}
