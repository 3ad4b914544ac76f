import type { Tracer } from '@aws-lambda-powertools/tracer';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Notification } from '../../kernel/app/ports';
import { SnsNotifier } from '../../kernel/adapters/sns-notifier';

export function createSnsNotifierClient(topics: Readonly<Record<Notification['topic'], string | undefined>>, tracer?: Tracer): SnsNotifier {
  const client = new SNSClient({});
  return new SnsNotifier(tracer ? tracer.captureAWSv3Client(client) : client, topics);
}
