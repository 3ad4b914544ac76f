import { representation } from '../../src/kernel/http/representation';

/** The one answer shape of every versioned record the handlers return (problems, catalogue, changes, incidents). */
describe('representation', () => {
  test('a versioned record is the body, with its version as a quoted ETag before the extra headers', () => {
    const record = { id: 'p-1', version: 3 };
    const result = representation(record, 201, { Location: '/v1/problems/p-1' });
    expect(result).toEqual({ status: 201, body: record, headers: { ETag: '"3"', Location: '/v1/problems/p-1' } });
    // The order of the headers is part of the wire format the handler tests compare.
    expect(Object.keys(result.headers!)).toEqual(['ETag', 'Location']);
    expect(result.body).toBe(record);
  });

  test('version 0 still has an ETag; a record without a version (a summary) has none', () => {
    expect(representation({ version: 0 }, 200).headers).toEqual({ ETag: '"0"' });
    expect(representation({ id: 's-1' }, 200)).toEqual({ status: 200, body: { id: 's-1' }, headers: {} });
  });

  test('extra headers are copied, never the caller\'s object itself', () => {
    const extra = { Link: '</v1/changes/c-1>; rel="related"' };
    const result = representation({ version: 1 }, 200, extra);
    expect(result.headers).toEqual({ ETag: '"1"', Link: extra.Link });
    expect(result.headers).not.toBe(extra);
  });
});
