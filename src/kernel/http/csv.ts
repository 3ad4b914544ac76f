/**
 * A report as CSV (`Accept: text/csv`): one `metric,value` row per leaf of the JSON report, the
 * metric named by its path (`byPriority.P1`, `downtime.0.start`). RFC 4180 quoting; a text cell
 * that a spreadsheet would run as a formula is prefixed with `'`: one starting with `= + - @`, tab
 * or CR, or their full-width forms `＝ ＋ － ＠`, which some spreadsheets read as the ASCII ones.
 * NUL characters are dropped: they end the cell early in some readers, hiding what follows.
 */
export function reportToCsv(report: unknown): string {
  const rows: [string, unknown][] = [];
  const walk = (value: unknown, path: string) => {
    if (value === undefined) return;
    if (value !== null && typeof value === 'object') {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      if (entries.length === 0) rows.push([path, '']);
      for (const [key, child] of entries) walk(child, path ? `${path}.${key}` : key);
      return;
    }
    rows.push([path, value]);
  };
  walk(report, '');
  return [['metric', 'value'], ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = String(value).replace(/\0/g, '');
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
