import { readFile } from 'node:fs/promises';
import type { AlarmTags } from '../../src/modules/monitoring/domain/alarm-policy';
import type { AlarmTagSource } from '../../src/modules/monitoring/app/ports';

/**
 * Alarm tags from a JSON file, `{ "<alarm arn>": { "itsm:severity": "error", ... } }`: the local
 * runtime has no CloudWatch, so `.local/alarm-tags.json` stands in for the tags on the alarms.
 * Read on every lookup (no cache), so an edit applies to the next event. A missing file means no
 * alarm has tags; a file that is not such an object is a failed lookup.
 */
export class FileAlarmTagSource implements AlarmTagSource {
  constructor(private readonly path: string) {}

  async tagsOf(alarmArn: string): Promise<AlarmTags> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const all: unknown = JSON.parse(text);
    if (typeof all !== 'object' || all === null || Array.isArray(all)) throw new Error(`${this.path}: expected an object of alarm ARN → tags`);
    const tags: unknown = Object.hasOwn(all, alarmArn) ? (all as Record<string, unknown>)[alarmArn] : {};
    if (typeof tags !== 'object' || tags === null || Array.isArray(tags) || Object.values(tags).some((v) => typeof v !== 'string')) {
      throw new Error(`${this.path}: the tags of ${alarmArn} must be an object of string values`);
    }
    return tags as AlarmTags;
  }
}
