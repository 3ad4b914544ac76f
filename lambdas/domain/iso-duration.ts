/**
 * ISO 8601 durations as used in SLA targets (PnDTnHnMnS, or PnW). Years and months are
 * refused: their length depends on the date, which SLA targets must not.
 */
const PATTERN = /^P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?)$/;

/** Milliseconds, or undefined when the text is not a positive duration. */
export function parseIsoDuration(text: string): number | undefined {
  const match = PATTERN.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [, weeks, days, hours, minutes, seconds] = match;
  const ms =
    Number(weeks ?? 0) * 7 * 86_400_000 +
    Number(days ?? 0) * 86_400_000 +
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Number(seconds ?? 0) * 1000;
  return ms > 0 ? ms : undefined;
}
