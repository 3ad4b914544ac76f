import type { APIGatewayProxyEvent } from 'aws-lambda';
import { z } from 'zod';
import { InvalidInputError, type FieldIssue } from '../../src/kernel/domain/domain-errors';
import { thrownAs } from '../support/thrown-by';
import {
  MAX_BODY_BYTES,
  RequestProblem,
  etagFor,
  header,
  ifMatchVersion,
  parseIfMatch,
  parseJsonBody,
  parseQuery,
  validate,
} from '../../src/kernel/http/http-request';
import {
  commentBodySchema,
  createIncidentBodySchema,
  escalateBodySchema,
  incidentIdSchema,
  listIncidentsQuerySchema,
  rejectBodySchema,
  updateIncidentBodySchema,
} from '../../src/modules/incidents/schemas/incident-schemas';

function event(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    body: null,
    headers: {},
    multiValueHeaders: {},
    httpMethod: 'POST',
    isBase64Encoded: false,
    path: '/incidents',
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
    resource: '/incidents',
    ...overrides,
  };
}

const jsonEvent = (body: string, contentType: string | undefined = 'application/json') =>
  event({ body, headers: contentType === undefined ? {} : { 'Content-Type': contentType } });

const validCreate = {
  shortDescription: 'VPN drops every few minutes',
  description: 'Since the client update this morning the VPN tunnel drops',
  impact: 2,
  urgency: 2,
  service: 'vpn',
  category: 'network',
};

const requestProblem = (fn: () => unknown): RequestProblem => thrownAs(fn, RequestProblem);
const issuesOf = (fn: () => unknown): readonly FieldIssue[] => thrownAs(fn, InvalidInputError).issues;

/** A JSON object body of exactly `size` bytes. */
function bodyOfBytes(size: number): string {
  const skeleton = JSON.stringify({ pad: '' });
  const body = JSON.stringify({ pad: 'x'.repeat(size - skeleton.length) });
  expect(Buffer.byteLength(body)).toBe(size);
  return body;
}

const anyObject = z.object({}).passthrough();

describe('parseJsonBody: size limit', () => {
  test('the limit is 64 KB', () => {
    expect(MAX_BODY_BYTES).toBe(65_536);
  });

  test('a body of exactly 64 KB is accepted', () => {
    const body = bodyOfBytes(MAX_BODY_BYTES);
    expect(parseJsonBody(jsonEvent(body), anyObject)).toEqual(JSON.parse(body));
  });

  test('a body one byte over 64 KB is refused with a 400 naming body', () => {
    const error = requestProblem(() => parseJsonBody(jsonEvent(bodyOfBytes(MAX_BODY_BYTES + 1)), anyObject));
    expect(error.details.status).toBe(400);
    expect(error.details.type).toMatch(/\/body-too-large$/);
    expect(error.details.errors?.[0]?.field).toBe('body');
    expect(error.details.detail).toContain(`${MAX_BODY_BYTES + 1} bytes`);
    expect(error.message).toBe(error.details.detail);
  });

  test('the limit counts bytes, not characters', () => {
    // 'é' is two bytes in UTF-8: 40,000 characters are 80,000 bytes.
    const body = JSON.stringify({ pad: 'é'.repeat(40_000) });
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    const error = requestProblem(() => parseJsonBody(jsonEvent(body), anyObject));
    expect(error.details.status).toBe(400);
    expect(error.details.errors?.[0]?.field).toBe('body');
  });

  test('the size check comes before the content-type check', () => {
    const error = requestProblem(() => parseJsonBody(jsonEvent('x'.repeat(MAX_BODY_BYTES + 1), 'text/plain'), anyObject));
    expect(error.details.status).toBe(400);
  });
});

describe('parseJsonBody: base64 bodies', () => {
  test('a base64-encoded body is decoded', () => {
    const body = Buffer.from(JSON.stringify(validCreate), 'utf8').toString('base64');
    const parsed = parseJsonBody(
      event({ body, isBase64Encoded: true, headers: { 'content-type': 'application/json' } }),
      createIncidentBodySchema,
    );
    expect(parsed).toEqual(validCreate);
  });

  test('the size limit applies to the decoded bytes', () => {
    const body = bodyOfBytes(MAX_BODY_BYTES);
    const encoded = Buffer.from(body, 'utf8').toString('base64');
    expect(encoded.length).toBeGreaterThan(MAX_BODY_BYTES);
    expect(parseJsonBody(event({ body: encoded, isBase64Encoded: true }), anyObject)).toEqual(JSON.parse(body));
  });

  test('a decoded body over the limit is refused', () => {
    const encoded = Buffer.from(bodyOfBytes(MAX_BODY_BYTES + 1), 'utf8').toString('base64');
    const error = requestProblem(() => parseJsonBody(event({ body: encoded, isBase64Encoded: true }), anyObject));
    expect(error.details.errors?.[0]?.field).toBe('body');
  });
});

describe('parseJsonBody: content type', () => {
  test.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/merge-patch+json',
    'application/problem+json',
  ])('accepts %j', (contentType) => {
    expect(parseJsonBody(jsonEvent('{"a":1}', contentType), anyObject)).toEqual({ a: 1 });
  });

  test('accepts a missing Content-Type', () => {
    expect(parseJsonBody(jsonEvent('{"a":1}', undefined), anyObject)).toEqual({ a: 1 });
  });

  test('finds the header whatever its case', () => {
    const error = requestProblem(() => parseJsonBody(event({ body: '{}', headers: { 'CONTENT-TYPE': 'text/plain' } }), anyObject));
    expect(error.details.status).toBe(415);
  });

  test.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data', 'text/json'])(
    'refuses %j with 415',
    (contentType) => {
      const error = requestProblem(() => parseJsonBody(jsonEvent('{"a":1}', contentType), anyObject));
      expect(error.details.status).toBe(415);
      expect(error.details.type).toMatch(/\/unsupported-media-type$/);
      expect(error.details.errors).toEqual([{ field: 'Content-Type', message: 'must be application/json' }]);
      expect(error.details.detail).toContain(contentType);
    },
  );
});

describe('parseJsonBody: malformed bodies', () => {
  test.each(['{', '{"a":}', "{'a':1}", 'not json', '{"a":1}}'])('%j → 400 malformed-body', (body) => {
    const error = requestProblem(() => parseJsonBody(jsonEvent(body), anyObject));
    expect(error.details.status).toBe(400);
    expect(error.details.type).toMatch(/\/malformed-body$/);
    expect(error.details.errors?.[0]?.field).toBe('body');
  });

  test.each([null, ''])('an empty body (%j) → malformed-body saying it is empty', (body) => {
    const error = requestProblem(() => parseJsonBody(event({ body }), anyObject));
    expect(error.details.type).toMatch(/\/malformed-body$/);
    expect(error.details.detail).toContain('the body is empty');
  });

  test.each(['[]', '[{"a":1}]', 'null', '42', '"text"', 'true'])('%j → InvalidInputError on body', (body) => {
    expect(issuesOf(() => parseJsonBody(jsonEvent(body), anyObject))).toEqual([
      { field: 'body', message: 'must be a JSON object' },
    ]);
  });
});

describe('parseJsonBody with createIncidentBodySchema', () => {
  const create = (body: unknown) => parseJsonBody(jsonEvent(JSON.stringify(body)), createIncidentBodySchema);

  test('returns the validated body', () => {
    const full = {
      ...validCreate,
      reportedBy: 'carol.user',
      detectedAt: '2026-03-10T11:45:00Z',
      channel: 'email',
      assignmentGroup: 'network-team',
      assignee: 'dave',
    };
    expect(create(full)).toEqual(full);
  });

  test('trims text fields', () => {
    expect(create({ ...validCreate, shortDescription: '  VPN drops  ' }).shortDescription).toBe('VPN drops');
  });

  test('an unknown field is named and "is not a known field"', () => {
    expect(issuesOf(() => create({ ...validCreate, priority: 'P1' }))).toEqual([
      { field: 'priority', message: 'is not a known field' },
    ]);
  });

  test('several unknown fields are each named', () => {
    const fields = issuesOf(() => create({ ...validCreate, priority: 'P1', state: 'Closed' })).map((i) => i.field);
    expect(fields.sort()).toEqual(['priority', 'state']);
  });

  test.each(['shortDescription', 'description', 'impact', 'urgency', 'service', 'category'])(
    'missing %s → "is required"',
    (field) => {
      const body: Record<string, unknown> = { ...validCreate };
      delete body[field];
      expect(issuesOf(() => create(body))).toEqual([{ field, message: 'is required' }]);
    },
  );

  test('an empty object names every required field', () => {
    const issues = issuesOf(() => create({}));
    expect(issues.map((i) => i.field).sort()).toEqual(
      ['category', 'description', 'impact', 'service', 'shortDescription', 'urgency'].sort(),
    );
    for (const issue of issues) expect(issue.message).toBe('is required');
  });

  test('a field of the wrong type is not reported as missing', () => {
    const issues = issuesOf(() => create({ ...validCreate, shortDescription: 42 }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe('shortDescription');
    expect(issues[0]?.message).not.toBe('is required');
    expect(issues[0]?.message).toMatch(/string/);
  });

  test('null is not reported as missing', () => {
    const issues = issuesOf(() => create({ ...validCreate, description: null }));
    expect(issues[0]?.field).toBe('description');
    expect(issues[0]?.message).not.toBe('is required');
  });

  test('shortDescription of 160 characters is accepted', () => {
    expect(create({ ...validCreate, shortDescription: 'a'.repeat(160) }).shortDescription).toHaveLength(160);
  });

  test('shortDescription over 160 characters is refused', () => {
    const issues = issuesOf(() => create({ ...validCreate, shortDescription: 'a'.repeat(161) }));
    expect(issues.map((i) => i.field)).toEqual(['shortDescription']);
  });

  test('a blank shortDescription is refused', () => {
    expect(issuesOf(() => create({ ...validCreate, shortDescription: '   ' }))).toEqual([
      { field: 'shortDescription', message: 'must not be blank' },
    ]);
  });

  test.each<[string, unknown]>([
    ['impact', 4],
    ['impact', 0],
    ['impact', '1'],
    ['impact', 1.5],
    ['urgency', 4],
    ['urgency', '3'],
  ])('%s %j is refused', (field, value) => {
    const issues = issuesOf(() => create({ ...validCreate, [field]: value }));
    expect(issues.map((i) => i.field)).toEqual([field]);
    expect(issues[0]?.message).not.toBe('is required');
  });

  test.each([
    ['detectedAt', '2026-03-10 11:45'],
    ['detectedAt', '2026-03-10T11:45:00'],
    ['channel', 'fax'],
    ['service', 'has spaces'],
    ['reportedBy', ''],
  ])('%s %j is refused', (field, value) => {
    expect(issuesOf(() => create({ ...validCreate, [field]: value })).map((i) => i.field)).toEqual([field]);
  });

  test('problems in several fields are all reported', () => {
    const issues = issuesOf(() => create({ ...validCreate, impact: 4, urgency: 0, unknown: true }));
    expect(issues.map((i) => i.field).sort()).toEqual(['impact', 'unknown', 'urgency']);
  });
});

describe('parseJsonBody with updateIncidentBodySchema', () => {
  const update = (body: unknown, contentType = 'application/merge-patch+json') =>
    parseJsonBody(jsonEvent(JSON.stringify(body), contentType), updateIncidentBodySchema);

  test('accepts a partial body', () => {
    expect(update({ state: 'On Hold', onHoldReason: 'awaiting vendor' })).toEqual({
      state: 'On Hold',
      onHoldReason: 'awaiting vendor',
    });
  });

  test('an empty update body is refused', () => {
    expect(issuesOf(() => update({}))).toEqual([{ field: 'body', message: 'must change at least one field' }]);
  });

  test('an unknown state is refused, naming state', () => {
    const issues = issuesOf(() => update({ state: 'Open' }));
    expect(issues.map((i) => i.field)).toEqual(['state']);
    expect(issues[0]?.message).toContain('In Progress');
  });

  test('an unknown field is refused', () => {
    expect(issuesOf(() => update({ priority: 'P1', assignee: 'dave' }))).toEqual([
      { field: 'priority', message: 'is not a known field' },
    ]);
  });

  test('an unknown resolutionCode is refused', () => {
    expect(issuesOf(() => update({ state: 'Resolved', resolutionCode: 'Fixed', resolutionNotes: 'x' })).map((i) => i.field)).toEqual([
      'resolutionCode',
    ]);
  });

  test('blank resolutionNotes are refused', () => {
    expect(issuesOf(() => update({ resolutionNotes: '  ' }))).toEqual([{ field: 'resolutionNotes', message: 'must not be blank' }]);
  });

  test.each(['In Progress', 'On Hold', 'Resolved', 'Canceled'])('state %j may be sent', (state) => {
    expect(update({ state })).toEqual({ state });
  });

  test.each(['New', 'Closed'])('state %j is refused: closing and reopening have their own routes', (state) => {
    expect(issuesOf(() => update({ state })).map((i) => i.field)).toEqual(['state']);
  });

  test('the new fields are accepted: duplicateOf, major, majorReason, reason', () => {
    expect(update({ state: 'Canceled', duplicateOf: 'INC0000042' })).toEqual({ state: 'Canceled', duplicateOf: 'INC0000042' });
    expect(update({ major: true, majorReason: '  Payroll down  ' })).toEqual({ major: true, majorReason: 'Payroll down' });
    expect(update({ impact: 1, reason: 'whole office' })).toEqual({ impact: 1, reason: 'whole office' });
  });

  test('major may only be true', () => {
    expect(issuesOf(() => update({ major: false })).map((i) => i.field)).toEqual(['major']);
  });

  test.each([
    ['a blank reason', { impact: 1, reason: ' ' }, 'reason'],
    ['a blank majorReason', { major: true, majorReason: '' }, 'majorReason'],
    ['a duplicateOf that is not a reference', { state: 'Canceled', duplicateOf: 'INC 42' }, 'duplicateOf'],
  ])('%s is refused', (_label, body, field) => {
    expect(issuesOf(() => update(body)).map((i) => i.field)).toEqual([field]);
  });
});

describe('parseJsonBody with the action body schemas', () => {
  const parse = <T extends z.ZodType>(schema: T, body: unknown) => parseJsonBody(jsonEvent(JSON.stringify(body)), schema);

  test('a comment defaults to type comment and is trimmed', () => {
    expect(parse(commentBodySchema, { text: '  We are on it  ' })).toEqual({ type: 'comment', text: 'We are on it' });
  });

  test('a work note says so', () => {
    expect(parse(commentBodySchema, { type: 'work-note', text: 'Relay logs checked' })).toEqual({ type: 'work-note', text: 'Relay logs checked' });
  });

  test.each([
    [{ text: '   ' }, 'text'],
    [{}, 'text'],
    [{ type: 'note', text: 'x' }, 'type'],
    [{ text: 'x', visibility: 'public' }, 'visibility'],
  ])('a comment body %j is refused, naming %s', (body, field) => {
    expect(issuesOf(() => parse(commentBodySchema, body)).map((i) => i.field)).toEqual([field]);
  });

  test('a rejection needs a reason', () => {
    expect(parse(rejectBodySchema, { reason: ' Still broken ' })).toEqual({ reason: 'Still broken' });
    expect(issuesOf(() => parse(rejectBodySchema, {})).map((i) => i.field)).toEqual(['reason']);
    expect(issuesOf(() => parse(rejectBodySchema, { reason: '  ' })).map((i) => i.field)).toEqual(['reason']);
  });

  test('an escalation needs to and reason; kind (default hierarchical) and assignmentGroup are optional', () => {
    const body = { kind: 'functional', to: 'network-l3', reason: 'Routing expertise', assignmentGroup: 'network-team' };
    expect(parse(escalateBodySchema, body)).toEqual(body);
    expect(issuesOf(() => parse(escalateBodySchema, {})).map((i) => i.field).sort()).toEqual(['reason', 'to']);
    expect(parse(escalateBodySchema, { to: 'service-owner', reason: 'Cannot be resolved quickly' })).toEqual({ to: 'service-owner', reason: 'Cannot be resolved quickly' });
    expect(issuesOf(() => parse(escalateBodySchema, { ...body, kind: 'sideways' })).map((i) => i.field)).toEqual(['kind']);
  });
});

describe('parseQuery', () => {
  const query = (params: Record<string, string> | null, multi?: Record<string, string[]>) =>
    parseQuery(
      event({
        httpMethod: 'GET',
        queryStringParameters: params,
        multiValueQueryStringParameters: multi ?? (params && Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]]))),
      }),
      listIncidentsQuerySchema,
    );

  test('no parameters → defaults', () => {
    expect(query(null)).toEqual({ limit: 25 });
  });

  test('coerces and validates the parameters', () => {
    expect(query({ state: 'In Progress', priority: 'P2', limit: '50' })).toEqual({
      state: 'In Progress',
      priority: 'P2',
      limit: 50,
    });
  });

  test('repeated parameters are refused, each named', () => {
    const issues = issuesOf(() =>
      query({ state: 'New', priority: 'P1' }, { state: ['New', 'Closed'], priority: ['P1'], service: ['a', 'b', 'c'] }),
    );
    expect(issues).toEqual([
      { field: 'state', message: 'must be given once' },
      { field: 'service', message: 'must be given once' },
    ]);
  });

  test('an unknown parameter is refused', () => {
    expect(issuesOf(() => query({ sort: 'asc' }))).toEqual([{ field: 'sort', message: 'is not a known field' }]);
  });

  test.each(['0', '101', 'ten', '2.5'])('limit %j is refused', (limit) => {
    expect(issuesOf(() => query({ limit })).map((i) => i.field)).toEqual(['limit']);
  });

  test('an unknown state is refused', () => {
    expect(issuesOf(() => query({ state: 'Open' })).map((i) => i.field)).toEqual(['state']);
  });
});

describe('validate', () => {
  test('prefixes field names', () => {
    expect(issuesOf(() => validate(z.strictObject({ a: z.string() }), { a: 1 }, 'filter')).map((i) => i.field)).toEqual([
      'filter.a',
    ]);
  });

  test('a missing top-level value is "is required" under the prefix', () => {
    expect(issuesOf(() => validate(incidentIdSchema, undefined, 'id'))).toEqual([{ field: 'id', message: 'is required' }]);
  });

  test('a top-level value of the wrong shape names the prefix', () => {
    const issues = issuesOf(() => validate(incidentIdSchema, 'not-an-id', 'id'));
    expect(issues).toEqual([{ field: 'id', message: 'must be an incident id or number (INC0000001)' }]);
  });

  test('nested paths are joined with dots', () => {
    const schema = z.strictObject({ outer: z.strictObject({ inner: z.number() }) });
    expect(issuesOf(() => validate(schema, { outer: {} }, ''))).toEqual([{ field: 'outer.inner', message: 'is required' }]);
    expect(issuesOf(() => validate(schema, { outer: { inner: 1, extra: 2 } }, ''))).toEqual([
      { field: 'outer.extra', message: 'is not a known field' },
    ]);
  });

  test('returns the parsed value on success', () => {
    expect(validate(incidentIdSchema, 'INC0000042', 'id')).toBe('INC0000042');
  });
});

describe('header', () => {
  test('is case-insensitive', () => {
    expect(header(event({ headers: { 'If-Match': '"3"' } }), 'if-match')).toBe('"3"');
    expect(header(event({ headers: { 'if-match': '"3"' } }), 'If-Match')).toBe('"3"');
  });

  test('absent or null headers → undefined', () => {
    expect(header(event({ headers: {} }), 'if-match')).toBeUndefined();
    expect(header({ headers: null as unknown as APIGatewayProxyEvent['headers'] }, 'if-match')).toBeUndefined();
  });
});

describe('ifMatchVersion (RFC 9110 If-Match)', () => {
  const withIfMatch = (value: string) => event({ headers: { 'If-Match': value } });
  const versionsOf = (value: string) => {
    const precondition = ifMatchVersion(withIfMatch(value));
    if (precondition === undefined || typeof precondition === 'number' || precondition.any) throw new Error(`not a list: ${JSON.stringify(precondition)}`);
    return precondition.versions;
  };

  test.each<[string, number[]]>([
    ['"3"', [3]],
    ['"42"', [42]],
    [' "7" ', [7]],
    ['"123456789"', [123_456_789]],
    ['"0"', [0]],
    ['"3", "4"', [3, 4]],
    ['"3","4" ,\t"5"', [3, 4, 5]],
    ['"3", , "4",', [3, 4]],
    ['"3", "3"', [3]],
    ['W/"2", "3"', [3]],
    ['"abc", "3"', [3]],
    ['"a,b", "3"', [3]],
  ])('%j names the versions %j', (value, versions) => {
    expect(versionsOf(value)).toEqual(versions);
  });

  test.each(['garbage', '3', '"abc"', 'W/"3"', 'w/"3"', '"03"', '"-1"', '"3.0"', '""', '', '   ', 'W/ "3"', '"3', '"3" "4"', '"3", garbage', '*, "3"', '"1234567890123456"'])(
    '%j is an If-Match naming no version this API issued: a precondition that never holds (412), not a missing one (428)',
    (value) => {
      expect(ifMatchVersion(withIfMatch(value))).toEqual({ any: false, versions: [], field: value });
    },
  );

  test.each(['*', ' * '])('%j matches any current version', (value) => {
    expect(ifMatchVersion(withIfMatch(value))).toEqual({ any: true, field: value });
  });

  test('absent → undefined (the use case answers 428)', () => {
    expect(ifMatchVersion(event())).toBeUndefined();
    expect(ifMatchVersion(event({ headers: { 'If-None-Match': '"3"' } }))).toBeUndefined();
  });

  test('parseIfMatch keeps the field as sent, for the answer', () => {
    expect(parseIfMatch('W/"3"')).toEqual({ any: false, versions: [], field: 'W/"3"' });
  });

  test('round-trips with etagFor', () => {
    expect(etagFor(12)).toBe('"12"');
    expect(versionsOf(etagFor(12))).toEqual([12]);
  });
});
