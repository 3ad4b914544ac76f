/**
 * Change calendar arithmetic: freeze windows, overlaps and the month partitions of the calendar
 * index. Pure; times are ISO 8601 UTC strings (`…Z`), compared as instants.
 */
export interface FreezeWindow {
  readonly name: string;
  readonly start: string;
  readonly end: string;
}

export interface Slot {
  readonly start: string;
  readonly end: string;
}

/** A change may run at most this long: overlap queries look back this far from a window's start. */
export const MAX_CHANGE_DURATION_MS = 14 * 24 * 3600 * 1000;

const ms = (iso: string) => Date.parse(iso);

/** Half-open intervals [start, end) overlap when each starts before the other ends. */
export function overlaps(a: Slot, b: Slot): boolean {
  return ms(a.start) < ms(b.end) && ms(b.start) < ms(a.end);
}

export function freezesHit(slot: Slot, windows: readonly FreezeWindow[]): FreezeWindow[] {
  return windows.filter((w) => overlaps(slot, w));
}

/** The earliest start of a change that could still overlap a slot starting at `start`. */
export function overlapLookback(start: string): string {
  return new Date(ms(start) - MAX_CHANGE_DURATION_MS).toISOString();
}

/** `YYYY-MM` of an instant (UTC): the calendar index partition. */
export const monthOf = (iso: string) => new Date(ms(iso)).toISOString().slice(0, 7);

/** Every month from the month of `from` to the month of `to`, in order (at most `max`). */
export function monthsBetween(from: string, to: string, max = 24): string[] {
  const months: string[] = [];
  const cursor = new Date(`${monthOf(from)}-01T00:00:00.000Z`);
  const last = monthOf(to);
  while (months.length < max) {
    const month = cursor.toISOString().slice(0, 7);
    months.push(month);
    if (month >= last) break;
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}
