import { itemSize, writeUnits } from '../../bench/dynamodb-item-size';

/**
 * The bench's item size by DynamoDB's rules ("Item sizes and formats"): what its per-item write
 * units (bench/incident-capacity.ts) are computed from.
 */
test('names and strings count their UTF-8 bytes', () => {
  expect(itemSize({ a: 'b' })).toBe(2);
  expect(itemSize({ name: 'Alice' })).toBe(9);
  expect(itemSize({ 名前: 'é' })).toBe(6 + 2);
});

test('a number is one byte per two significant digits, plus one', () => {
  expect(itemSize({ n: 123 })).toBe(1 + 3);
  expect(itemSize({ n: 12345 })).toBe(1 + 4);
  // Leading and trailing zeros, the sign and the point are not significant.
  expect(itemSize({ n: 1000 })).toBe(1 + 2);
  expect(itemSize({ n: 0.05 })).toBe(1 + 2);
  expect(itemSize({ n: -12 })).toBe(1 + 2);
});

test('lists and maps add 3 bytes to their elements; booleans and null are one byte; sets and binary their contents', () => {
  expect(itemSize({ l: [] })).toBe(1 + 3);
  expect(itemSize({ l: ['ab', 1] })).toBe(1 + 3 + 2 + 2);
  expect(itemSize({ m: { x: 'yz' } })).toBe(1 + 3 + 1 + 2);
  expect(itemSize({ b: true, z: null })).toBe(2 + 2);
  expect(itemSize({ s: new Set(['ab', 'c']) })).toBe(1 + 3);
  expect(itemSize({ bin: Buffer.from([1, 2, 3]) })).toBe(3 + 3);
});

test('a write unit per started KB, at least one', () => {
  expect([0, 1, 1024, 1025, 2048, 2049].map(writeUnits)).toEqual([1, 1, 1, 2, 2, 3]);
});
