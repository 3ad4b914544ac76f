import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Notification, Notifier } from '../kernel/app/ports';
import type { ClientSettings } from '../config/client-settings-schema';
import { lazily } from '../kernel/runtime/lazy-factory';

type Topics = Readonly<Record<Notification['topic'], string | undefined>>;

/**
 * The notifier of a function that tells people about incidents: the stack's SNS topics, and the
 * client's signed webhook where the client config names one (its key read from Secrets Manager).
 * Most invocations notify nobody, so the SNS and Secrets Manager clients (and their SDK modules)
 * are created on the first notification, not at cold start.
 */
export function createNotifier(options: {
  readonly topics: Topics;
  readonly settings: Pick<ClientSettings, 'integrations'>;
  readonly clock: { now(): Date };
  readonly observability: { readonly logger: Logger; readonly metrics: Metrics; readonly tracer: Tracer };
}): Notifier {
  const { logger, metrics, tracer } = options.observability;
  const sns = createSnsNotifier(options.topics, tracer);
  const webhook = options.settings.integrations.webhook;
  if (!webhook) return sns;
  const fanOut = lazily(async () => {
    const [{ createSecretSource }, { FanOutNotifier, WebhookNotifier }] = await Promise.all([
      import('./on-demand/secrets-manager-client'),
      import('../kernel/adapters/webhook-notifier'),
    ]);
    const secrets = createSecretSource(tracer);
    return new FanOutNotifier(sns, new WebhookNotifier(webhook, secrets, options.clock), (error, notification) => {
      logger.error('webhook notification not sent', { topic: notification.topic, error: error as Error });
      metrics.addMetric('WebhookNotificationFailed', MetricUnit.Count, 1);
    });
  });
  return { notify: async (notification) => (await fanOut()).notify(notification) };
}

/**
 * Publishes to the stack's SNS topics (a topic left undefined refuses its notifications); the
 * client is created on the first notification. Without `tracer`, calls are not traced.
 */
export function createSnsNotifier(topics: Topics, tracer?: Tracer): Notifier {
  const sns = lazily(async () => (await import('./on-demand/sns-notifier-client')).createSnsNotifierClient(topics, tracer));
  return { notify: async (notification) => (await sns()).notify(notification) };
}
