/**
 * An item's size as DynamoDB bills it ("Item sizes and formats" in the DynamoDB developer guide),
 * from the item as the document client holds it (strings, numbers, booleans, null, lists, maps,
 * sets, binary): each attribute is its name's UTF-8 bytes plus its value's size. A string is its
 * UTF-8 bytes; a number one byte per two significant digits plus one; binary its bytes; a boolean
 * or null one byte; a list or map 3 bytes plus its elements (a map's with their names); a set its
 * elements. DynamoDB Local reports a transaction's units from the summed size of its items per
 * table; DynamoDB rounds each item up on its own, which is what `writeUnits` does with this size.
 */
export function itemSize(item: Readonly<Record<string, unknown>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + valueSize(value);
  return size;
}

/** Write units of one item written outside a transaction: one per started KB, at least one. */
export const writeUnits = (size: number): number => Math.max(1, Math.ceil(size / 1024));

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

function numberSize(value: number | bigint): number {
  // Significant digits: leading and trailing zeros, the sign and the decimal point do not count.
  const digits = String(value).replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...(value as Set<unknown>)].reduce<number>((sum, element) => sum + valueSize(element), 0);
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + valueSize(element), 0);
  if (typeof value === 'object') return 3 + itemSize(value as Record<string, unknown>);
  throw new Error(`No DynamoDB size for a ${typeof value}`);
}
