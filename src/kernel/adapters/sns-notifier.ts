import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notification, Notifier } from '../app/ports';

/**
 * Publishes notifications to the stack's SNS topics, one per kind, with message attributes
 * subscribers can filter on (priority, level, client). Recipients travel in the message: the
 * topics fan out to e-mail, SMS or chat subscriptions that ops attach per client.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topics: Readonly<Record<Notification['topic'], string | undefined>>,
  ) {}

  async notify(notification: Notification): Promise<void> {
    const topicArn = this.topics[notification.topic];
    if (!topicArn) throw new Error(`No SNS topic configured for ${notification.topic} notifications`);
    await this.sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: notification.subject.slice(0, 99),
        Message: JSON.stringify({
          subject: notification.subject,
          message: notification.message,
          recipients: notification.recipients,
          attributes: notification.attributes,
        }),
        MessageAttributes: Object.fromEntries(
          Object.entries(notification.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
    );
  }
}
