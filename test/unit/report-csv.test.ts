import { csvCell, reportToCsv } from '../../src/kernel/http/csv';

test('a report becomes metric,value rows named by their path, CRLF-terminated', () => {
  const csv = reportToCsv({ service: 'email', opened: 3, byPriority: { P1: 1, P2: 2 }, downtime: [{ start: 'a', minutes: 5 }], empty: {}, skipped: undefined });
  expect(csv).toBe(['metric,value', 'service,email', 'opened,3', 'byPriority.P1,1', 'byPriority.P2,2', 'downtime.0.start,a', 'downtime.0.minutes,5', 'empty,', ''].join('\r\n'));
});

test('cells with commas, quotes or line breaks are quoted; quotes doubled', () => {
  expect(csvCell('a,b')).toBe('"a,b"');
  expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  expect(csvCell('two\nlines')).toBe('"two\nlines"');
});

test('text a spreadsheet would run as a formula is defused; numbers are not', () => {
  expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
  expect(csvCell('+1')).toBe("'+1");
  expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  expect(csvCell(-3)).toBe('-3');
  expect(csvCell(true)).toBe('true');
  expect(csvCell(null)).toBe('');
});

test('issue 20: NUL characters are dropped and full-width formula characters are defused too', () => {
  expect(csvCell('ab\0c')).toBe('abc');
  // A NUL in front of a formula hid it from the check; it is dropped first, then the formula is defused.
  expect(csvCell('\0=cmd|"/c calc"!A1')).toBe('"\'=cmd|""/c calc""!A1"');
  for (const start of ['＝', '＋', '－', '＠']) expect(csvCell(`${start}SUM(A1)`)).toBe(`'${start}SUM(A1)`);
  expect(csvCell('plain ＝ inside')).toBe('plain ＝ inside');
});
