import type { OutboxEffect } from '../domain/effects';

/** An outbox item as stored: the effect, and when its change was stored. */
export interface StoredOutboxItem extends OutboxEffect {
  /** The item's key in its table, as the stream record names it. */
  readonly key: Readonly<Record<string, string>>;
  readonly createdAt: string;
}

/** The outbox items of the incidents table (adapters/dynamodb-outbox.ts). */
export interface OutboxStore {
  /** The item, read consistently; undefined once it was delivered (deleted). */
  get(key: Readonly<Record<string, string>>): Promise<StoredOutboxItem | undefined>;
  /** Marks the item delivered by deleting it; deleting an absent item is no error. */
  markDelivered(key: Readonly<Record<string, string>>): Promise<void>;
  /** Undelivered items stored before `before`, oldest first. */
  undeliveredBefore(before: string, limit: number): Promise<readonly StoredOutboxItem[]>;
}
