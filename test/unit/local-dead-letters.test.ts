import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeadLetters, type LocalDeadLetter } from '../../local/local-dead-letters';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'itsm-dead-letters-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const letter = (n: number): LocalDeadLetter => ({
  rule: 'CloudWatchAlarmStateChanges',
  functionId: 'EventIngestionFunction',
  event: { id: `event-${n}`, source: 'aws.cloudwatch' },
  error: 'Malformed CloudWatch alarm event',
  attempts: 3,
  at: `2026-11-26T03:0${n}:00.000Z`,
});

test('dead letters written by one runtime are listed by the next (a restart), in order', () => {
  const file = join(dir, 'dead-letters.jsonl');
  const first = new LocalDeadLetters(file);
  first.add(letter(1));
  first.add(letter(2));
  expect(first.list()).toEqual([letter(1), letter(2)]);
  const restarted = new LocalDeadLetters(file);
  expect(restarted.list()).toEqual([letter(1), letter(2)]);
  restarted.add(letter(3));
  expect(new LocalDeadLetters(file).list()).toEqual([letter(1), letter(2), letter(3)]);
});

test('a line torn by a crash mid-append is skipped; the whole lines survive', () => {
  const file = join(dir, 'dead-letters.jsonl');
  new LocalDeadLetters(file).add(letter(1));
  appendFileSync(file, '{"rule":"Cloud');
  const restarted = new LocalDeadLetters(file);
  expect(restarted.list()).toEqual([letter(1)]);
  restarted.add(letter(2));
  expect(new LocalDeadLetters(file).list()).toEqual([letter(1), letter(2)]);
});

test('without a file (in-memory runs) nothing outlives the store', () => {
  const store = new LocalDeadLetters();
  store.add(letter(1));
  expect(store.list()).toEqual([letter(1)]);
  expect(new LocalDeadLetters().list()).toEqual([]);
});
