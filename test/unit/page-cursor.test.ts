import { InvalidInputError } from '../../src/kernel/domain/domain-errors';
import { decodeCursor, encodeCursor } from '../../src/kernel/adapters/page-cursor';

const lastKey = {
  pk: 'INCIDENT#0b7e6f2c-1111-2222-3333-444455556666',
  sk: 'INCIDENT',
  gsi2pk: 'STATE#In Progress',
  gsi2sk: 'P2#2026-03-10T12:00:00.000Z#0b7e6f2c-1111-2222-3333-444455556666',
};
const shape = { index: 'byState', partition: 'STATE#In Progress', residual: { service: 'vpn' } };

function refusal(fn: () => unknown): InvalidInputError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidInputError);
  return thrown as InvalidInputError;
}

describe('encodeCursor / decodeCursor', () => {
  test('round trip returns the last key', () => {
    expect(decodeCursor(encodeCursor(lastKey, shape), shape)).toEqual(lastKey);
  });

  test('the same shape built separately is accepted (structural, not identity)', () => {
    const token = encodeCursor(lastKey, shape);
    expect(decodeCursor(token, JSON.parse(JSON.stringify(shape)))).toEqual(lastKey);
  });

  test('the cursor is URL-safe and does not expose the key in clear text', () => {
    const token = encodeCursor(lastKey, shape);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('INCIDENT#');
  });

  test('encoding is deterministic', () => {
    expect(encodeCursor(lastKey, shape)).toBe(encodeCursor(lastKey, shape));
  });

  test('an empty key round-trips', () => {
    expect(decodeCursor(encodeCursor({}, shape), shape)).toEqual({});
  });

  test.each<[string, unknown]>([
    ['another partition', { ...shape, partition: 'STATE#New' }],
    ['another index', { ...shape, index: 'byService' }],
    ['another filter', { ...shape, residual: { service: 'email' } }],
    ['no filter', { index: 'byState', partition: 'STATE#In Progress', residual: {} }],
    ['no shape', undefined],
  ])('a cursor from a different query shape (%s) is refused naming nextToken', (_label, otherShape) => {
    const error = refusal(() => decodeCursor(encodeCursor(lastKey, shape), otherShape));
    expect(error.issues).toEqual([
      { field: 'nextToken', message: 'is not a cursor returned by this list with these filters' },
    ]);
  });

  test("a requester's cursor cannot be replayed against another reporter's partition", () => {
    const mine = { index: 'byReporter', partition: 'REPORTER#carol' };
    const theirs = { index: 'byReporter', partition: 'REPORTER#dave' };
    expect(() => decodeCursor(encodeCursor(lastKey, mine), theirs)).toThrow(InvalidInputError);
  });

  test.each([
    ['garbage', 'not-a-cursor'],
    ['empty', ''],
    ['base64 of non-JSON', Buffer.from('hello world').toString('base64url')],
    ['JSON without a key', Buffer.from(JSON.stringify({ q: 'x' })).toString('base64url')],
    ['JSON array', Buffer.from('[1,2,3]').toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['symbols', '%%%***'],
  ])('%s is refused naming nextToken', (_label, token) => {
    const error = refusal(() => decodeCursor(token, shape));
    expect(error.issues[0]?.field).toBe('nextToken');
    expect(error.subject).toBe('nextToken');
  });

  test('a forged cursor with the right fingerprint but a non-string key value is refused', () => {
    const genuine = JSON.parse(Buffer.from(encodeCursor(lastKey, shape), 'base64url').toString('utf8')) as { q: string };
    const forged = Buffer.from(JSON.stringify({ k: { pk: { S: 'x' } }, q: genuine.q })).toString('base64url');
    expect(() => decodeCursor(forged, shape)).toThrow(InvalidInputError);
  });

  test('a forged cursor with the right fingerprint and a string key is accepted (cursors are not signed)', () => {
    const genuine = JSON.parse(Buffer.from(encodeCursor(lastKey, shape), 'base64url').toString('utf8')) as { q: string };
    const forged = Buffer.from(JSON.stringify({ k: { pk: 'INCIDENT#other' }, q: genuine.q })).toString('base64url');
    expect(decodeCursor(forged, shape)).toEqual({ pk: 'INCIDENT#other' });
  });

  test('a key with a non-string value does not round-trip', () => {
    expect(() => decodeCursor(encodeCursor({ pk: 'a', n: 1 }, shape), shape)).toThrow(InvalidInputError);
  });
});
