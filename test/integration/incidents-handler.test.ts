import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../src/kernel/adapters/document-client';
import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { encodeCursor } from '../../src/kernel/adapters/page-cursor';
import { MAX_BODY_BYTES } from '../../src/kernel/http/http-request';
import type { TestTables } from '../support/test-tables';
import { apiEvent, callers, invoke, lambdaContext, type ProxyHandler, type RequestOptions, type TestCaller } from './support-events';
import { expectProblem, startIncidentsApi, validIncidentBody, type IncidentsApi } from './support-handler';
import { counterValue, scanAll, storedItem, storedTimeline } from './support-incidents';

/**
 * The incidents Lambda, loaded the way the runtime loads it (environment read at module load),
 * answering API Gateway REST proxy events against DynamoDB Local through the real SDK.
 */

let api: IncidentsApi;
let tables: TestTables;
let handler: ProxyHandler;

beforeAll(async () => {
  api = await startIncidentsApi();
  tables = api.tables;
  handler = api.handler;
});

afterAll(async () => {
  await api?.close();
});

// ---------------------------------------------------------------------------------------------
// Helpers

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const validBody = validIncidentBody;

/** `caller: null` sends the event without authorizer claims. */
const post = (body: unknown, caller: TestCaller | null = callers.agent, headers?: Record<string, string>) =>
  invoke(handler, 'POST', { path: '/incidents', resource: '/incidents', body, caller: caller ?? undefined, ...(headers && { headers }) });

const get = (idOrNumber: string, caller: TestCaller = callers.agent) =>
  invoke(handler, 'GET', { path: `/incidents/${idOrNumber}`, resource: '/incidents/{id}', pathParameters: { id: idOrNumber }, caller });

const list = (query: RequestOptions['query'] = {}, caller: TestCaller = callers.agent) =>
  invoke(handler, 'GET', { path: '/incidents', resource: '/incidents', query, caller });

const patch = (idOrNumber: string, body: unknown, ifMatch?: string, caller: TestCaller = callers.agent) =>
  invoke(handler, 'PATCH', {
    path: `/incidents/${idOrNumber}`,
    resource: '/incidents/{id}',
    pathParameters: { id: idOrNumber },
    body,
    caller,
    ...(ifMatch !== undefined && { headers: { 'If-Match': ifMatch } }),
  });

/** POST /incidents/{id}/confirm or /reject. */
const decide = (decision: 'confirm' | 'reject', idOrNumber: string, body: unknown, ifMatch: string, caller: TestCaller = callers.agent) =>
  invoke(handler, 'POST', {
    path: `/incidents/${idOrNumber}/${decision}`,
    resource: `/incidents/{id}/${decision}`,
    pathParameters: { id: idOrNumber },
    body,
    caller,
    headers: { 'If-Match': ifMatch },
  });

/** Creates an incident through the API and returns the answer's body. */
async function created(overrides: Record<string, unknown> = {}, caller: TestCaller = callers.agent) {
  const response = await post(validBody(overrides), caller);
  expect(response.status).toBe(201);
  return response.body as { id: string; number: string; version: number; [field: string]: unknown };
}

const sequenceOf = (number: string) => Number(/^INC(\d{7})$/.exec(number)?.[1]);

/** What the table holds: how many incident items (Scan, for verification only) and the number counter. */
const tableState = async () => ({
  incidents: (await scanAll(tables.documents, tables.names.incidents)).filter((item) => item['sk'] === 'INCIDENT').length,
  counter: await counterValue(tables.documents, tables.names.incidents),
});

// ---------------------------------------------------------------------------------------------

describe('environment', () => {
  test('a client built without options, as the handler builds it, reaches DynamoDB Local via AWS_ENDPOINT_URL_DYNAMODB', async () => {
    const client = new DynamoDBClient({});
    try {
      const described = await createDocumentClient(client).send(new DescribeTableCommand({ TableName: tables.names.incidents }));
      expect(described.Table?.TableName).toBe(tables.names.incidents);
    } finally {
      client.destroy();
    }
  });
});

describe('POST /incidents', () => {
  test('201 with Location, ETag "1" and the new incident, stored in the table', async () => {
    const before = await tableState();
    const response = await post(validBody());

    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json');
    const incident = response.body;
    expect(incident).toMatchObject({
      ...validBody(),
      id: expect.stringMatching(UUID),
      number: expect.stringMatching(/^INC\d{7}$/),
      priority: 'P2',
      state: 'New',
      version: 1,
      channel: 'api',
      recordedBy: callers.agent.username,
      reportedBy: callers.agent.username,
      updatedBy: callers.agent.username,
    });
    expect(sequenceOf(incident.number)).toBe(before.counter + 1);
    expect(response.headers['location']).toBe(`/v1/incidents/${incident.id}`);
    expect(response.headers['etag']).toBe('"1"');
    expect(incident.createdAt).toBe(incident.updatedAt);
    expect(incident.detectedAt).toBe(incident.createdAt);
    expect(Object.keys(incident).filter((k) => /^(pk|sk|gsi\d+(pk|sk))$/.test(k))).toEqual([]);

    // What the API answered is what DynamoDB Local holds.
    const stored = await new DynamoDbIncidentRepository(tables.documents, tables.names.incidents).get(incident.id);
    // The SLA facts are kept with the incident (GET /incidents/{id}/sla shows them as clocks), not answered with it;
    // so is the reporter's sub (ownership is checked by it), which the API does not show.
    const { sla, reportedById, ...answered } = stored!;
    expect(reportedById).toBe(callers.agent.sub);
    // Suggestions are not looked up when logging: GET /incidents/{id}/suggestions answers them.
    expect(answered).toEqual(incident);
    expect(incident).not.toHaveProperty('suggestions');
    // The clocks start on the terms of the service, recorded with the incident (catalogue edits do not rewrite them).
    // … and its SLA counters as of its logging (every target undecided), for the compliance report.
    expect(sla).toEqual({ generation: 1, history: [], notices: [], terms: { source: 'client', service: 'email', reference: 'MSA-2026 schedule 2', recordedAt: incident.createdAt }, counted: [`sla#${incident.priority}`] });
    expect(await tableState()).toEqual({ incidents: before.incidents + 1, counter: before.counter + 1 });
  });

  test('keeps an explicit reporter, channel and detection time', async () => {
    const detectedAt = new Date(Date.now() - 3_600_000).toISOString();
    const incident = await created({ reportedBy: 'rita.requester', channel: 'phone', detectedAt, urgency: 1, impact: 3 });
    expect(incident).toMatchObject({ reportedBy: 'rita.requester', recordedBy: callers.agent.username, channel: 'phone', detectedAt, priority: 'P3' });
  });

  test('accepts application/json with a charset', async () => {
    const response = await post(validBody(), callers.agent, { 'content-type': 'application/json; charset=utf-8' });
    expect(response.status).toBe(201);
  });

  test('accepts a base64-encoded body', async () => {
    const response = await handler(
      { ...apiEvent('POST', { path: '/incidents', body: '', caller: callers.agent }), body: Buffer.from(JSON.stringify(validBody())).toString('base64'), isBase64Encoded: true },
      lambdaContext(),
    );
    expect(response.statusCode).toBe(201);
  });

  test('20 concurrent POSTs get 20 distinct, consecutive numbers', async () => {
    const before = await tableState();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => post(validBody({ shortDescription: `Storm ${i}` }))));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    const sequences = responses.map((r) => sequenceOf(r.body.number)).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 20 }, (_, i) => before.counter + 1 + i));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(20);
    expect(await tableState()).toEqual({ incidents: before.incidents + 20, counter: before.counter + 20 });
  });

  test('a requester logs an incident for themselves', async () => {
    const incident = await created({}, callers.requester);
    expect(incident).toMatchObject({ reportedBy: callers.requester.username, recordedBy: callers.requester.username });
  });

  const refusedCallers: ReadonlyArray<{ title: string; caller: TestCaller | null; body: unknown; status: number; field?: string }> = [
    { title: 'a requester logging for someone else', caller: callers.requester, body: validBody({ reportedBy: 'sam.requester' }), status: 403, field: 'reportedBy' },
    { title: 'an auditor', caller: callers.auditor, body: validBody(), status: 403, field: 'role' },
    { title: 'a request without authorizer claims', caller: null, body: validBody(), status: 401 },
  ];
  test.each(refusedCallers)('refuses $title ($status) and writes nothing', async ({ caller, body, status, field }) => {
    const before = await tableState();
    expectProblem(await post(body, caller), status, field);
    expect(await tableState()).toEqual(before);
  });
});

describe('POST /incidents with bad input: 400/415 naming the field, nothing written, no number used', () => {
  const { description: _omitted, ...withoutDescription } = validBody();
  const badRequests: ReadonlyArray<{ title: string; body: unknown; headers?: Record<string, string>; status: number; field: string; type?: string }> = [
    { title: 'malformed JSON', body: '{"shortDescription": "Email down",', status: 400, field: 'body', type: 'malformed-body' },
    { title: 'an empty body', body: '', status: 400, field: 'body', type: 'malformed-body' },
    { title: 'JSON null', body: 'null', status: 400, field: 'body' },
    { title: 'an array body', body: [validBody()], status: 400, field: 'body' },
    { title: 'an unknown field', body: validBody({ severity: 'high' }), status: 400, field: 'severity' },
    { title: 'impact as a string', body: validBody({ impact: '1' }), status: 400, field: 'impact' },
    { title: 'impact out of range', body: validBody({ impact: 4 }), status: 400, field: 'impact' },
    { title: 'a missing required field', body: withoutDescription, status: 400, field: 'description' },
    { title: 'a blank short description', body: validBody({ shortDescription: '   ' }), status: 400, field: 'shortDescription' },
    { title: 'a service id with spaces', body: validBody({ service: 'e mail' }), status: 400, field: 'service' },
    { title: 'a detection time that is not ISO 8601', body: validBody({ detectedAt: 'yesterday' }), status: 400, field: 'detectedAt' },
    {
      title: 'a detection time in the future',
      body: validBody({ detectedAt: new Date(Date.now() + 86_400_000).toISOString() }),
      status: 400,
      field: 'detectedAt',
    },
    {
      title: 'a body over 64 KB',
      body: validBody({ description: 'x'.repeat(MAX_BODY_BYTES + 1) }),
      status: 400,
      field: 'body',
      type: 'body-too-large',
    },
    {
      title: 'a text/plain body',
      body: JSON.stringify(validBody()),
      headers: { 'Content-Type': 'text/plain' },
      status: 415,
      field: 'Content-Type',
      type: 'unsupported-media-type',
    },
  ];

  test.each(badRequests)('$title → $status naming $field', async ({ body, headers, status, field, type }) => {
    const before = await tableState();
    const response = await post(body, callers.agent, headers);
    expectProblem(response, status, field);
    if (type) expect(response.body.type).toMatch(new RegExp(`/${type}$`));
    expect(await tableState()).toEqual(before);
  });

  test('after all of them, the next valid incident gets the next consecutive number', async () => {
    const first = await created();
    for (const { body, headers } of badRequests) await post(body, callers.agent, headers);
    await post(validBody({ reportedBy: 'sam.requester' }), callers.requester);
    const second = await created();
    expect(sequenceOf(second.number)).toBe(sequenceOf(first.number) + 1);
  });
});

describe('GET /incidents/{id}', () => {
  let mine: { id: string; number: string };
  let theirs: { id: string; number: string };
  beforeAll(async () => {
    mine = await created({ reportedBy: callers.requester.username, shortDescription: 'Rita cannot print' });
    theirs = await created({ reportedBy: callers.otherRequester.username, shortDescription: 'Sam cannot print' });
  });

  test('by id and by number, with the ETag of the version', async () => {
    const byId = await get(mine.id);
    expect(byId.status).toBe(200);
    expect(byId.headers['etag']).toBe('"1"');
    expect(byId.body).toMatchObject({ id: mine.id, number: mine.number, shortDescription: 'Rita cannot print' });

    const byNumber = await get(mine.number);
    expect(byNumber.status).toBe(200);
    expect(byNumber.body).toEqual(byId.body);
  });

  test.each([
    ['an unknown id', '00000000-0000-4000-8000-000000000000'],
    ['an unknown number', 'INC9999999'],
  ])('%s → 404 problem', async (_title, idOrNumber) => {
    expectProblem(await get(idOrNumber), 404, 'id');
  });

  test('an id that is neither a uuid nor a number → 400 naming id', async () => {
    expectProblem(await get('not-an-incident'), 400, 'id');
  });

  test('a requester reads their own incident, by id and number', async () => {
    expect((await get(mine.id, callers.requester)).status).toBe(200);
    expect((await get(mine.number, callers.requester)).status).toBe(200);
  });

  test("a requester gets 404, not 403, for someone else's incident", async () => {
    const byId = await get(theirs.id, callers.requester);
    expectProblem(byId, 404, 'id');
    expect(byId.raw).not.toContain('Sam cannot print');
    expectProblem(await get(theirs.number, callers.requester), 404, 'id');
  });

  test('a requester lists only their own incidents, whatever the filters', async () => {
    const filters: Record<string, string>[] = [{}, { state: 'New' }, { service: 'email' }, { priority: 'P2' }];
    for (const query of filters) {
      const response = await list({ ...query, limit: '100' }, callers.requester);
      expect(response.status).toBe(200);
      const items = response.body.items as { id: string; reportedBy: string }[];
      expect(items.map((i) => i.id)).toContain(mine.id);
      expect(items.map((i) => i.id)).not.toContain(theirs.id);
      expect(new Set(items.map((i) => i.reportedBy))).toEqual(new Set([callers.requester.username]));
    }
    const agentView = await list({ limit: '100' });
    expect((agentView.body.items as { id: string }[]).map((i) => i.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
  });
});

describe('PATCH /incidents/{id}', () => {
  const fetchStored = (id: string) => storedItem(tables.documents, tables.names.incidents, id);

  test('without If-Match → 428 naming If-Match, nothing changed', async () => {
    const incident = await created();
    const before = await fetchStored(incident.id);
    expectProblem(await patch(incident.id, { state: 'In Progress' }), 428, 'If-Match');
    expect(await fetchStored(incident.id)).toEqual(before);
  });

  test.each(['"garbage"', 'not-an-etag', 'W/"1"', '1', '""'])(
    'If-Match %s names no current ETag (RFC 9110: a weak or never-issued tag never matches) → 412 naming If-Match, nothing changed',
    async (ifMatch) => {
      const incident = await created();
      const before = await fetchStored(incident.id);
      expectProblem(await patch(incident.id, { state: 'In Progress' }, ifMatch), 412, 'If-Match');
      expect(await fetchStored(incident.id)).toEqual(before);
    },
  );

  test('If-Match: * changes whatever version is current; a list matches if any tag is current', async () => {
    const incident = await created();
    expect((await patch(incident.id, { assignee: 'bert.agent' }, '"1"')).status).toBe(200);
    const any = await patch(incident.id, { state: 'In Progress' }, '*');
    expect(any.status).toBe(200);
    expect(any.headers['etag']).toBe('"3"');
    expect(any.body).toMatchObject({ state: 'In Progress', assignee: 'bert.agent', version: 3 });
    const listed = await patch(incident.number, { assignmentGroup: 'service-desk' }, '"1", W/"3", "3"');
    expect(listed.status).toBe(200);
    expect(listed.headers['etag']).toBe('"4"');
    expectProblem(await patch(incident.id, { assignmentGroup: 'network' }, '"1", "2", "3"'), 412, 'If-Match');
  });

  test('If-Match: * is still atomic: concurrent writers each change the version they read, none is lost', async () => {
    const incident = await created();
    const answers = await Promise.all(['a', 'b', 'c', 'd'].map((who) => patch(incident.id, { assignee: `${who}.agent` }, '*')));
    for (const answer of answers) expect([200, 412]).toContain(answer.status);
    const succeeded = answers.filter((answer) => answer.status === 200);
    expect(succeeded.length).toBeGreaterThan(0);
    const stored = (await get(incident.id)).body as { version: number; assignee: string };
    expect(stored.version).toBe(1 + succeeded.length);
    expect(new Set(succeeded.map((answer) => answer.headers['etag'])).size).toBe(succeeded.length);
    expect(succeeded.find((answer) => answer.headers['etag'] === `"${stored.version}"`)?.body).toMatchObject({ assignee: stored.assignee });
  });

  test('New → In Progress with the current ETag → 200, ETag "2", and the state indexes follow', async () => {
    const incident = await created({ service: 'patch-transition' });
    const response = await patch(incident.id, { state: 'In Progress', assignee: 'bert.agent' }, '"1"', callers.otherAgent);
    expect(response.status).toBe(200);
    expect(response.headers['etag']).toBe('"2"');
    expect(response.body).toMatchObject({ id: incident.id, state: 'In Progress', assignee: 'bert.agent', version: 2, updatedBy: callers.otherAgent.username });
    expect((await get(incident.id)).body).toEqual(response.body);

    const ids = async (query: Record<string, string>) =>
      ((await list({ ...query, service: 'patch-transition', limit: '100' })).body.items as { id: string }[]).map((i) => i.id);
    expect(await ids({ state: 'In Progress' })).toContain(incident.id);
    expect(await ids({ state: 'New' })).not.toContain(incident.id);
  });

  test('the incident number is accepted with the current ETag', async () => {
    const incident = await created();
    const response = await patch(incident.number, { assignmentGroup: 'service-desk' }, '"1"');
    expect(response.status).toBe(200);
    expect(response.headers['etag']).toBe('"2"');
  });

  test('a stale If-Match → 412, nothing changed', async () => {
    const incident = await created();
    expect((await patch(incident.id, { assignee: 'bert.agent' }, '"1"')).status).toBe(200);
    const before = await fetchStored(incident.id);
    expectProblem(await patch(incident.id, { assignee: 'someone.else' }, '"1"'), 412, 'If-Match');
    expect(await fetchStored(incident.id)).toEqual(before);
  });

  test('an illegal transition (New → Resolved) → 409 with the allowed next states, nothing changed', async () => {
    const incident = await created();
    const before = await fetchStored(incident.id);
    const response = await patch(incident.id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Rebooted' }, '"1"');
    expectProblem(response, 409, 'state');
    expect(response.body.allowedNextStates).toEqual(['In Progress', 'Canceled']);
    expect(await fetchStored(incident.id)).toEqual(before);
  });

  test('resolving without resolution notes → 400 naming resolutionNotes; with them → Resolved, then the reporter confirms → Closed', async () => {
    const incident = await created();
    expect((await patch(incident.id, { state: 'In Progress' }, '"1"')).status).toBe(200);
    const before = await fetchStored(incident.id);

    expectProblem(await patch(incident.id, { state: 'Resolved', resolutionCode: 'Solved (permanently)' }, '"2"'), 400, 'resolutionNotes');
    expectProblem(
      await patch(incident.id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: '   ' }, '"2"'),
      400,
      'resolutionNotes',
    );
    expect(await fetchStored(incident.id)).toEqual(before);

    const resolved = await patch(incident.id, { state: 'Resolved', resolutionCode: 'Solved (workaround)', resolutionNotes: 'Cleared the cache' }, '"2"');
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ state: 'Resolved', resolutionNotes: 'Cleared the cache', resolvedAt: expect.any(String), resolvedBy: callers.agent.username, version: 3 });
    // The agent logged it without naming a reporter, so the agent is the reporter who confirms.
    const closed = await decide('confirm', incident.id, undefined, '"3"');
    expect(closed.status).toBe(200);
    expect(closed.headers['etag']).toBe('"4"');
    expect(closed.body).toMatchObject({ state: 'Closed', closedAt: expect.any(String), closedBy: callers.agent.username, resolvedAt: resolved.body.resolvedAt, version: 4 });
  });

  test('a PATCH can neither close nor reopen: 400 naming state, nothing changed', async () => {
    const incident = await created();
    expect((await patch(incident.id, { state: 'In Progress' }, '"1"')).status).toBe(200);
    expect((await patch(incident.id, { state: 'Resolved', resolutionCode: 'Duplicate', resolutionNotes: 'Same as INC0000001' }, '"2"')).status).toBe(200);
    const before = await fetchStored(incident.id);
    expectProblem(await patch(incident.id, { state: 'Closed' }, '"3"'), 400, 'state');
    expectProblem(await patch(incident.id, { state: 'In Progress' }, '"3"'), 400, 'state');
    expect(await fetchStored(incident.id)).toEqual(before);
  });

  test('the reporter rejecting a resolution reopens it and clears the resolution from the stored item', async () => {
    const incident = await created();
    expect((await patch(incident.id, { state: 'In Progress' }, '"1"')).status).toBe(200);
    expect((await patch(incident.id, { state: 'Resolved', resolutionCode: 'Duplicate', resolutionNotes: 'Same as INC0000001' }, '"2"')).status).toBe(200);
    const reopened = await decide('reject', incident.id, { reason: 'Still broken' }, '"3"');
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ state: 'In Progress', reopenCount: 1, version: 4 });
    for (const field of ['resolutionCode', 'resolutionNotes', 'resolvedAt', 'resolvedBy']) {
      expect(reopened.body).not.toHaveProperty(field);
      expect(await fetchStored(incident.id)).not.toHaveProperty(field);
    }
  });

  test('putting an incident On Hold without a reason → 400 naming onHoldReason', async () => {
    const incident = await created();
    expect((await patch(incident.id, { state: 'In Progress' }, '"1"')).status).toBe(200);
    expectProblem(await patch(incident.id, { state: 'On Hold' }, '"2"'), 400, 'onHoldReason');
  });

  test('an empty change or an unknown field → 400', async () => {
    const incident = await created();
    expectProblem(await patch(incident.id, {}, '"1"'), 400);
    expectProblem(await patch(incident.id, { priority: 'P1' }, '"1"'), 400, 'priority');
  });

  test('a requester may not change even their own incident → 403; someone else’s → 404', async () => {
    const own = await created({ reportedBy: callers.requester.username });
    const other = await created({ reportedBy: callers.otherRequester.username });
    const before = await fetchStored(own.id);
    expectProblem(await patch(own.id, { shortDescription: 'Urgent!!!' }, '"1"', callers.requester), 403);
    expectProblem(await patch(other.id, { shortDescription: 'Urgent!!!' }, '"1"', callers.requester), 404, 'id');
    expect(await fetchStored(own.id)).toEqual(before);
  });

  test('unknown incident → 404', async () => {
    expectProblem(await patch('00000000-0000-4000-8000-000000000000', { assignee: 'bert.agent' }, '"1"'), 404, 'id');
  });

  test('changing impact recomputes the priority; the change needs a reason and moves it between priority lists', async () => {
    const incident = await created({ impact: 1, urgency: 2, service: 'patch-priority' });
    expect(incident['priority']).toBe('P2');
    const before = await fetchStored(incident.id);
    expectProblem(await patch(incident.id, { impact: 3 }, '"1"'), 400, 'reason');
    expectProblem(await patch(incident.id, { impact: 3, reason: '   ' }, '"1"'), 400, 'reason');
    expect(await fetchStored(incident.id)).toEqual(before);

    const response = await patch(incident.id, { impact: 3, reason: 'Only one user affected after all' }, '"1"');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ impact: 3, urgency: 2, priority: 'P4', version: 2 });
    expect(response.body.priorityReasons).toEqual([
      'impact 3 × urgency 2 → P4 (priority matrix)',
      `changed by ${callers.agent.username}: Only one user affected after all`,
    ]);

    const ids = async (priority: string) =>
      ((await list({ priority, service: 'patch-priority' })).body.items as { id: string }[]).map((i) => i.id);
    expect(await ids('P4')).toContain(incident.id);
    expect(await ids('P2')).not.toContain(incident.id);
    const queue = await list({ state: 'New', priority: 'P4', limit: '100' });
    expect((queue.body.items as { id: string }[]).map((i) => i.id)).toContain(incident.id);
    // Priority alone: the unfiltered (by date) list with a filter.
    const byPriority = await list({ priority: 'P4', limit: '100' });
    expect(byPriority.status).toBe(200);
    expect((byPriority.body.items as { id: string; priority: string }[]).map((i) => i.id)).toContain(incident.id);
    expect(new Set((byPriority.body.items as { priority: string }[]).map((i) => i.priority))).toEqual(new Set(['P4']));
  });

  test('a reason without a priority change → 400 naming reason', async () => {
    const incident = await created();
    expectProblem(await patch(incident.id, { shortDescription: 'Reworded', reason: 'because' }, '"1"'), 400, 'reason');
  });
});

describe('concurrent PATCHes', () => {
  test('20 PATCHes with the same If-Match: exactly one 200, nineteen 412, final version 2, one set of timeline entries', async () => {
    const incident = await created();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => patch(incident.id, { assignee: `agent-${i}`, state: 'In Progress' }, '"1"')),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    for (const refused of responses.filter((r) => r.status === 412)) expectProblem(refused, 412, 'If-Match');

    const winner = responses.find((r) => r.status === 200)!;
    const final = await get(incident.id);
    expect(final.headers['etag']).toBe('"2"');
    expect(final.body).toMatchObject({ version: 2, assignee: winner.body.assignee });
    expect(final.body).toEqual(winner.body);

    // Only the winner's entries were written: one assignment change (to the winner's assignee) and one state change.
    const entries = await storedTimeline(tables.documents, tables.names.incidents, incident.id);
    expect(entries.map((e) => [e['type'], e['to']])).toEqual([
      ['assignment-change', winner.body.assignee],
      ['state-change', 'In Progress'],
    ]);
  });
});

describe('GET /incidents', () => {
  beforeAll(async () => {
    for (let i = 0; i < 5; i++) await created({ service: 'list-paging', shortDescription: `Paging ${i}` });
  });

  test('pages with limit and nextToken, priority then oldest first, each incident once', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const response = await list({ service: 'list-paging', limit: '2', ...(nextToken && { nextToken }) });
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...(response.body.items as { shortDescription: string }[]).map((i) => i.shortDescription));
      nextToken = response.body.nextToken;
      pages++;
    } while (nextToken && pages < 10);
    expect(seen).toEqual(['Paging 0', 'Paging 1', 'Paging 2', 'Paging 3', 'Paging 4']);
  });

  test('a cursor from another filter → 400 naming nextToken', async () => {
    const first = await list({ service: 'list-paging', limit: '2' });
    expectProblem(await list({ service: 'email', limit: '2', nextToken: first.body.nextToken }), 400, 'nextToken');
    expectProblem(await list({ service: 'list-paging', limit: '2', nextToken: 'not-a-cursor' }), 400, 'nextToken');
  });

  test('a forged cursor never returns incidents from another partition', async () => {
    const elsewhere = await created({ service: 'forged-target', shortDescription: 'Not for your eyes' });
    const forged = encodeCursor(
      { pk: `INCIDENT#${elsewhere.id}`, sk: 'INCIDENT', gsi3pk: 'SERVICE#forged-target', gsi3sk: `${String(elsewhere['createdAt'])}#${elsewhere.id}` },
      { index: 'byService', filter: { service: 'list-paging' } },
    );
    const response = await list({ service: 'list-paging', nextToken: forged });
    expect(response.status).not.toBe(200);
    expect(response.raw).not.toContain('Not for your eyes');
  });

  // KNOWN BUG (reported, not fixed here): the cursor's fingerprint is an unkeyed hash of the
  // public query shape, so anyone can mint a cursor that passes decodeCursor; DynamoDB then
  // rejects its ExclusiveStartKey with a ValidationException, which the handler answers as 500.
  // No data leaks (DynamoDB refuses a start key outside the queried partition), but a client
  // error must be a 400. The adapter maps that refusal to InvalidInputError.
  test('a forged cursor for the right filter → 400 naming nextToken, not 500', async () => {
    const forged = encodeCursor(
      { pk: 'INCIDENT#x', sk: 'INCIDENT', gsi3pk: 'SERVICE#elsewhere', gsi3sk: 'x' },
      { index: 'byService', filter: { service: 'list-paging' } },
    );
    expectProblem(await list({ service: 'list-paging', nextToken: forged }), 400, 'nextToken');
  });

  test.each<{ query: Record<string, string | string[]>; field: string }>([
    { query: { limit: '101' }, field: 'limit' },
    { query: { limit: '0' }, field: 'limit' },
    { query: { limit: 'ten' }, field: 'limit' },
    { query: { limit: '2.5' }, field: 'limit' },
    { query: { state: 'Bogus' }, field: 'state' },
    { query: { priority: 'P9' }, field: 'priority' },
    { query: { service: 'e mail' }, field: 'service' },
    { query: { sort: 'createdAt' }, field: 'sort' },
    { query: { state: ['New', 'Closed'] }, field: 'state' },
  ])('$query → 400 naming $field', async ({ query, field }) => {
    expectProblem(await list(query), 400, field);
  });

  test('a role without incident access sees nothing: unknown groups → 403', async () => {
    expectProblem(await list({}, { sub: 'c0ffee00-0000-4000-8000-000000000009', username: 'nobody', groups: 'visitors' }), 403, 'role');
  });
});

describe('routing', () => {
  test('a method the function does not serve → 405 problem', async () => {
    const response = await invoke(handler, 'DELETE', {
      path: '/incidents/00000000-0000-4000-8000-000000000000',
      resource: '/incidents/{id}',
      pathParameters: { id: '00000000-0000-4000-8000-000000000000' },
      caller: callers.agent,
    });
    expectProblem(response, 405);
  });
});
