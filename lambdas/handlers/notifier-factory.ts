import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Notification, Notifier } from '../app/ports';
import { SecretsManagerSecretSource } from '../adapters/secrets/secrets-manager-secret-source';
import { SnsNotifier } from '../adapters/sns/sns-notifier';
import { FanOutNotifier, WebhookNotifier } from '../adapters/webhook/webhook-notifier';
import type { ClientSettings } from '../schemas/client-settings-schema';

/**
 * The notifier of a function that tells people about incidents: the stack's SNS topics, and the
 * client's signed webhook where the client config names one (its key read from Secrets Manager).
 */
export function createNotifier(options: {
  readonly topics: Readonly<Record<Notification['topic'], string | undefined>>;
  readonly settings: Pick<ClientSettings, 'integrations'>;
  readonly clock: { now(): Date };
  readonly observability: { readonly logger: Logger; readonly metrics: Metrics; readonly tracer: Tracer };
}): Notifier {
  const { logger, metrics, tracer } = options.observability;
  const sns = new SnsNotifier(tracer.captureAWSv3Client(new SNSClient({})), options.topics);
  const webhook = options.settings.integrations.webhook;
  if (!webhook) return sns;
  const secrets = new SecretsManagerSecretSource(tracer.captureAWSv3Client(new SecretsManagerClient({})));
  return new FanOutNotifier(sns, new WebhookNotifier(webhook, secrets, options.clock), (error, notification) => {
    logger.error('webhook notification not sent', { topic: notification.topic, error: error as Error });
    metrics.addMetric('WebhookNotificationFailed', MetricUnit.Count, 1);
  });
}
