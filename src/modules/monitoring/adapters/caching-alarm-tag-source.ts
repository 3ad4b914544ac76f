import type { AlarmTags } from '../domain/alarm-policy';
import type { AlarmTagSource } from '../app/ports';

/** How long an alarm's tags are reused: a retagged alarm is classified by its new tags within this. */
export const ALARM_TAG_CACHE_MS = 5 * 60_000;

/**
 * Caches another source's answers per alarm ARN for `ttlMs`, in the execution environment's memory:
 * an alarm storm costs one ListTagsForResource per alarm every five minutes, not one per event
 * (CloudWatch throttles that API). "No tags" is cached like any answer. Concurrent lookups of one
 * alarm share a single call; a failed lookup is not cached, so the next event asks again.
 */
export class CachingAlarmTagSource implements AlarmTagSource {
  private readonly entries = new Map<string, { readonly expiresAt: number; readonly tags: Promise<AlarmTags> }>();

  constructor(
    private readonly source: AlarmTagSource,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = ALARM_TAG_CACHE_MS,
  ) {}

  tagsOf(alarmArn: string): Promise<AlarmTags> {
    const at = this.now();
    const cached = this.entries.get(alarmArn);
    if (cached && cached.expiresAt > at) return cached.tags;
    const tags = this.source.tagsOf(alarmArn);
    const entry = { expiresAt: at + this.ttlMs, tags };
    this.entries.set(alarmArn, entry);
    tags.catch(() => {
      if (this.entries.get(alarmArn) === entry) this.entries.delete(alarmArn);
    });
    return tags;
  }
}
