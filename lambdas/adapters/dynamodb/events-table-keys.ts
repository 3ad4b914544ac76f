/**
 * Key layout of the events table: one item per EventBridge event received, keyed by the event's
 * `id`, so a second delivery of the same event finds its record and does nothing. Items expire
 * (DynamoDB TTL on `expiresAt`, epoch seconds) after the client's monitoring.eventRetentionDays.
 *
 * | item         | pk            |
 * |--------------|---------------|
 * | event record | EVENT#<id>    |
 */
export const EVENTS_TABLE_KEYS = { partitionKey: 'pk', timeToLiveAttribute: 'expiresAt' } as const;

export const eventRecordKey = (eventId: string) => ({ pk: `EVENT#${eventId}` });

/** Epoch seconds `retentionDays` after `receivedAt`, for the TTL attribute. */
export const eventExpiry = (receivedAt: Date, retentionDays: number) => Math.floor(receivedAt.getTime() / 1000) + retentionDays * 86_400;
