import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Notification, NotificationTopic, Notifier, SecretSource } from '../app/ports';

export interface WebhookTarget {
  readonly url: string;
  readonly secretArn: string;
  readonly topics: readonly NotificationTopic[];
}

export const SIGNATURE_HEADER = 'X-Rowe-Itsm-Signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp lets receivers refuse replays. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Checks a signature made by {@link webhookSignature} (or by a client signing the same way, e.g.
 * their ServiceNow business rule calling us): `stale` when its timestamp is more than
 * `toleranceSeconds` away from `nowSeconds` (a replayed call), `invalid` when it does not match.
 */
export function verifyWebhookSignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds: number): 'valid' | 'stale' | 'invalid' {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header.trim());
  if (!match) return 'invalid';
  const timestamp = Number(match[1]);
  const expected = Buffer.from(webhookSignature(secret, timestamp, body).split(',v1=')[1]!, 'hex');
  if (!timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'))) return 'invalid';
  return Math.abs(nowSeconds - timestamp) > toleranceSeconds ? 'stale' : 'valid';
}

/**
 * POSTs notifications to the client's own endpoint (e.g. their ITSM's inbound webhook), signed
 * with a key kept in Secrets Manager. A slow endpoint cannot hold the function: the request is
 * abandoned after `timeoutMs`.
 */
export class WebhookNotifier implements Notifier {
  constructor(
    private readonly target: WebhookTarget,
    private readonly secrets: SecretSource,
    private readonly clock: { now(): Date },
    private readonly timeoutMs = 3000,
  ) {}

  async notify(notification: Notification): Promise<void> {
    if (!this.target.topics.includes(notification.topic)) return;
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const body = JSON.stringify({
      topic: notification.topic,
      subject: notification.subject,
      message: notification.message,
      attributes: notification.attributes,
      sentAt: new Date(timestamp * 1000).toISOString(),
    });
    const secret = await this.secrets.secretString(this.target.secretArn);
    const response = await fetch(this.target.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body) },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`Webhook ${this.target.url} answered ${response.status}`);
  }
}

/**
 * SNS first, then the client's webhook. The webhook is a second channel: its failure is reported
 * (`onSecondaryFailure`) but never fails the notification, so a retry of the caller cannot
 * publish the SNS message twice because the client's endpoint was down.
 */
export class FanOutNotifier implements Notifier {
  constructor(
    private readonly primary: Notifier,
    private readonly secondary: Notifier,
    private readonly onSecondaryFailure: (error: unknown, notification: Notification) => void,
  ) {}

  async notify(notification: Notification): Promise<void> {
    await this.primary.notify(notification);
    try {
      await this.secondary.notify(notification);
    } catch (error) {
      this.onSecondaryFailure(error, notification);
    }
  }
}
