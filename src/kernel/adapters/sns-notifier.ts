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
        Subject: snsSubject(notification.subject),
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

/** SNS refuses (and so never sends) a subject of 100 characters or more, or one with a line break or control character. */
export const MAX_SNS_SUBJECT_LENGTH = 99;

/**
 * A subject SNS accepts, whatever text went into it: printable ASCII only (accents dropped,
 * other characters as `?`), white space folded to single spaces, cut to 99 characters with `…`
 * spelt `...`. The full subject still travels in the message body.
 */
export function snsSubject(subject: string): string {
  const ascii = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  const safe = ascii === '' ? 'rowe-itsm notification' : ascii;
  return safe.length <= MAX_SNS_SUBJECT_LENGTH ? safe : `${safe.slice(0, MAX_SNS_SUBJECT_LENGTH - 3).trimEnd()}...`;
}
