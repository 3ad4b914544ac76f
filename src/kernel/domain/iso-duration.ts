/**
 * ISO 8601 durations as used in SLA targets (PnDTnHnMnS, or PnW). Years and months are
 * refused: their length depends on the date, which SLA targets must not.
 */
const PATTERN = /^P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?)$/;

/**
 * A duration split into its calendar part (whole days, weeks counted as 7) and its exact part
 * (hours, minutes, seconds in ms), for arithmetic that adds days on a wall clock (a rota's
 * hand-offs) and the rest in real time. Undefined when the text is not a positive duration.
 */
export function isoDurationParts(text: string): { readonly days: number; readonly exactMs: number } | undefined {
  const match = typeof text === 'string' ? PATTERN.exec(text) : null;
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [, weeks, days, hours, minutes, seconds] = match;
  const parts = {
    days: Number(weeks ?? 0) * 7 + Number(days ?? 0),
    exactMs: Number(hours ?? 0) * 3_600_000 + Number(minutes ?? 0) * 60_000 + Number(seconds ?? 0) * 1000,
  };
  return parts.days > 0 || parts.exactMs > 0 ? parts : undefined;
}

/** Milliseconds, or undefined when the text is not a positive duration. */
export function parseIsoDuration(text: string): number | undefined {
  const parts = isoDurationParts(text);
  return parts && parts.days * 86_400_000 + parts.exactMs;
}

/**
 * A target's length on a calendar. On business hours a day means a business day (the opening
 * hours of one working day), as service-desk tools read "P3D" on a schedule; weeks are five
 * business days. Hours, minutes and seconds count as they are. 24×7 calendars take the plain
 * duration. Undefined when the text is not a positive duration.
 */
export function targetDurationMs(text: string, businessDayMs?: number): number | undefined {
  const plain = parseIsoDuration(text);
  if (plain === undefined || businessDayMs === undefined) return plain;
  const [, weeks, days, hours, minutes, seconds] = PATTERN.exec(text)!;
  return (
    (Number(weeks ?? 0) * 5 + Number(days ?? 0)) * businessDayMs +
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Number(seconds ?? 0) * 1000
  );
}
