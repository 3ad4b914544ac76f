import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditTrail } from '../../src/kernel/adapters/dynamodb-audit-trail';
import { DynamoDbProblemRepository, DynamoDbResolutionDrafts } from '../../src/modules/problems/adapters/dynamodb-problem-repository';
import { recordResolutionDraft, resolutionDraftId, resolutionDraftOf } from '../../src/modules/problems/app/problem-use-cases';
import { newKnownError } from '../../src/modules/problems/domain/problem';
import { incidentLinkKey, PROBLEM_INDEXES } from '../../src/modules/problems/adapters/problems-table-keys';
import type { TestTables } from '../support/test-tables';
import { seedServices } from './support-catalogue';
import { callers, invoke, type ApiResponse, type ProxyHandler, type TestCaller } from './support-events';
import { expectProblem, startFunctionEnvironment, validIncidentBody, type FunctionEnvironment } from './support-handler';
import { scanAll } from './support-incidents';
import { loadOutboxConsumer, outboxDrain } from './support-outbox';
import { OUTBOX_PARTITION } from '../../src/modules/outbox/adapters';

/**
 * The problems function over DynamoDB Local, with the incidents function on the same tables:
 * problems and their lifecycle (search first), structured analyses, m:n links under concurrency,
 * known errors and error control, knowledge articles, suggestions at logging, access by role and
 * the audit records every change writes.
 */
let environment: FunctionEnvironment;
let tables: TestTables;
let problems: ProxyHandler;
let incidents: ProxyHandler;

beforeAll(async () => {
  environment = await startFunctionEnvironment();
  tables = environment.tables;
  jest.isolateModules(() => {
    problems = require('../../src/modules/problems/functions/problems-handler').handler;
    incidents = require('../../src/modules/incidents/functions/incidents-handler').handler;
  });
  await seedServices(tables.documents, tables.names.catalogue, ['email', 'vpn', 'erp', 'printing']);
});
afterAll(async () => {
  await environment?.close();
});

const { admin, agent, requester, serviceOwner, auditor, engineer, changeManager } = callers;

function send(method: string, path: string, options: { as: TestCaller; body?: unknown; query?: Record<string, string>; ifMatch?: string }): Promise<ApiResponse> {
  // The resource is the path with each id replaced by its placeholder, as API Gateway matches it.
  const segments = path.split('/');
  const params: Record<string, string> = {};
  const resource = segments
    .map((segment, i) => {
      if (i === 0 || !/^[0-9a-f-]{36}$|^INC\d+$|^PRB\d+$|^not-/.test(segment)) return segment;
      const name = i === 2 ? 'id' : segments[1] === 'problems' && segments[3] === 'analyses' ? 'analysisId' : 'incidentId';
      params[name] = segment;
      return `{${name}}`;
    })
    .join('/');
  const handler = resource.startsWith('/incidents') && !resource.endsWith('/problems') ? incidents : problems;
  return invoke(handler, method, {
    path,
    resource,
    ...(Object.keys(params).length > 0 && { pathParameters: params }),
    ...(options.query && { query: options.query }),
    ...(options.body !== undefined && { body: options.body }),
    caller: options.as,
    headers: { ...(options.ifMatch !== undefined && { 'If-Match': options.ifMatch }) },
  });
}

const problemBody = (overrides: Record<string, unknown> = {}) => ({
  title: 'Outbound mail stalls on Monday mornings',
  description: 'The outbound queue on the relay grows for hours; mail leaves late or bounces.',
  impact: 'Finance cannot send invoices; 300 users affected',
  priority: 'P2',
  services: ['email'],
  stakeholders: ['Finance', 'Service desk'],
  evidence: ['Queue graph 2026-11-16'],
  ...overrides,
});
const knownErrorBody = (overrides: Record<string, unknown> = {}) => ({
  title: 'Relay client leaks connections',
  symptoms: 'Outbound mail stalls in the relay queue; Outlook shows messages stuck in the outbox',
  rootCause: 'Relay client 4.2 does not close connections after TLS renegotiation',
  workaround: 'Restart the relay service (takes 2 minutes)',
  services: ['email'],
  category: 'software',
  tags: ['relay'],
  ...overrides,
});

async function newProblem(body: Record<string, unknown> = {}): Promise<{ id: string; etag: string }> {
  const created = await send('POST', '/problems', { as: engineer, body: problemBody(body) });
  expect(created.status).toBe(201);
  return { id: created.body.id, etag: created.headers['etag']! };
}

async function moveTo(id: string, etag: string, state: string, extra: Record<string, unknown> = {}): Promise<ApiResponse> {
  return send('PATCH', `/problems/${id}`, { as: engineer, body: { state, ...extra }, ifMatch: etag });
}

async function newIncident(overrides: Record<string, unknown> = {}, as: TestCaller = agent): Promise<ApiResponse> {
  const created = await send('POST', '/incidents', { as, body: validIncidentBody({ impact: 2, urgency: 2, ...overrides }) });
  expect(created.status).toBe(201);
  return created;
}

async function auditActions(type: string, id: string): Promise<string[]> {
  const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } });
  const page = await trail.list({ resource: { type, id } }, { limit: 100 });
  return page.items.map((r) => r.action);
}

describe('problems and their lifecycle', () => {
  test('create, read, list by state; changes need If-Match (428), a stale one is refused (412), an illegal transition is 409', async () => {
    const created = await send('POST', '/problems', { as: engineer, body: problemBody() });
    expect(created.status).toBe(201);
    expect(created.headers['etag']).toBe('"1"');
    expect(created.headers['location']).toMatch(new RegExp(`/problems/${created.body.id}$`));
    expect(created.body).toMatchObject({ state: 'New', version: 1, services: ['email'], createdBy: 'erin.engineer' });
    const id = created.body.id as string;

    expect((await send('GET', `/problems/${id}`, { as: agent })).body.title).toBe(problemBody().title);
    const listed = await send('GET', '/problems', { as: auditor, query: { state: 'New', limit: '100' } });
    expect(listed.body.items.map((p: { id: string }) => p.id)).toContain(id);

    expectProblem(await send('PATCH', `/problems/${id}`, { as: engineer, body: { state: 'Assessed' } }), 428, 'If-Match');
    expectProblem(await send('PATCH', `/problems/${id}`, { as: engineer, body: { state: 'Assessed' }, ifMatch: '"7"' }), 412);
    expectProblem(await moveTo(id, '"1"', 'Closed'), 409, 'state');
    const assessed = await moveTo(id, '"1"', 'Assessed');
    expect(assessed.status).toBe(200);
    expect(assessed.headers['etag']).toBe('"2"');
    expect(await auditActions('problem', id)).toEqual(['problem:create', 'problem:update']);
  });

  test('problems are numbered PRB0000001, … in order; GET and links accept the number as well as the id', async () => {
    const first = await send('POST', '/problems', { as: engineer, body: problemBody({ title: 'Numbered one' }) });
    const second = await send('POST', '/problems', { as: engineer, body: problemBody({ title: 'Numbered two' }) });
    expect(first.body.number).toMatch(/^PRB\d{7}$/);
    expect(Number(second.body.number.slice(3))).toBe(Number(first.body.number.slice(3)) + 1);
    const byNumber = await send('GET', `/problems/${second.body.number}`, { as: agent });
    expect(byNumber.status).toBe(200);
    expect(byNumber.body).toMatchObject({ id: second.body.id, number: second.body.number });
    expect(byNumber.headers['etag']).toBe('"1"');
    const incident = await newIncident();
    const linked = await send('POST', `/problems/${first.body.number}/incidents`, { as: agent, body: { incidentId: incident.body.number } });
    expect(linked.status).toBe(201);
    expect(linked.body).toMatchObject({ problemId: first.body.id, incidentId: incident.body.id });
    expect((await send('GET', `/problems/${first.body.number}/incidents`, { as: agent })).body.items).toHaveLength(1);
    expect((await moveTo(first.body.number, '"1"', 'Assessed')).body).toMatchObject({ id: first.body.id, state: 'Assessed', version: 2 });
    expectProblem(await send('GET', '/problems/PRB9999999', { as: agent }), 404);
    expectProblem(await send('GET', '/problems/PRB12', { as: agent }), 400, 'id');
  });

  test('bad input names the field and writes nothing', async () => {
    expectProblem(await send('POST', '/problems', { as: engineer, body: problemBody({ priority: 'P9' }) }), 400, 'priority');
    expectProblem(await send('POST', '/problems', { as: engineer, body: problemBody({ services: ['Has Space'] }) }), 400, 'services.0');
    expectProblem(await send('POST', '/problems', { as: engineer, body: { ...problemBody(), hacked: true } }), 400);
    expectProblem(await send('GET', '/problems/not-a-uuid', { as: engineer }), 400, 'id');
    expectProblem(await send('GET', `/problems/${randomUUID()}`, { as: engineer }), 404);
  });

  test('the log is append-only and grows with the facts; the state changes are in it', async () => {
    const { id } = await newProblem();
    const added = await send('POST', `/problems/${id}/log`, { as: engineer, body: { kind: 'fact', text: 'Relay 2a restarted at 09:40 cleared the queue' } });
    expect(added.status).toBe(201);
    await moveTo(id, '"1"', 'Assessed');
    const log = await send('GET', `/problems/${id}/log`, { as: agent });
    expect(log.body.items.map((e: { kind: string }) => e.kind)).toEqual(['state-change', 'fact', 'state-change']);
    expectProblem(await send('POST', `/problems/${id}/log`, { as: engineer, body: { kind: 'gossip', text: 'x' } }), 400, 'kind');
  });
});

describe('search first, then analyse', () => {
  test('moving into Root Cause Analysis records a known-error search with its results; analyses start only then, and are versioned', async () => {
    const ke = await send('POST', '/known-errors', { as: engineer, body: knownErrorBody({ title: 'Relay queue stalls after TLS renegotiation' }) });
    expect(ke.status).toBe(201);
    const { id } = await newProblem();
    // No analysis before the search.
    expectProblem(await send('POST', `/problems/${id}/analyses`, { as: engineer, body: fiveWhys }), 409, 'state');
    const assessed = await moveTo(id, '"1"', 'Assessed');
    const rca = await moveTo(id, assessed.headers['etag']!, 'Root Cause Analysis', { kedbQuery: 'relay queue stalls outbound mail' });
    expect(rca.status).toBe(200);
    expect(rca.body.kedbSearch).toMatchObject({ query: 'relay queue stalls outbound mail', by: 'erin.engineer' });
    expect(rca.body.kedbSearch.results[0]).toMatchObject({ id: ke.body.id, kind: 'known-error', title: 'Relay queue stalls after TLS renegotiation' });
    // The results stay visible on the problem, and in its log.
    expect((await send('GET', `/problems/${id}`, { as: agent })).body.kedbSearch.results.length).toBeGreaterThan(0);
    const log = await send('GET', `/problems/${id}/log`, { as: agent });
    expect(log.body.items.map((e: { kind: string }) => e.kind)).toContain('kedb-search');

    const first = await send('POST', `/problems/${id}/analyses`, { as: engineer, body: fiveWhys });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ version: 1, content: { method: 'five-whys' } });
    const analysisId = first.body.id as string;
    const revised = { ...fiveWhys, rootCause: 'Relay client 4.2 leaks a socket per TLS renegotiation' };
    expectProblem(await send('PUT', `/problems/${id}/analyses/${analysisId}`, { as: engineer, body: revised }), 428, 'If-Match');
    const second = await send('PUT', `/problems/${id}/analyses/${analysisId}`, { as: engineer, body: revised, ifMatch: '"1"' });
    expect(second.status).toBe(200);
    expect(second.body.version).toBe(2);
    expectProblem(await send('PUT', `/problems/${id}/analyses/${analysisId}`, { as: engineer, body: revised, ifMatch: '"1"' }), 412);
    expectProblem(await send('PUT', `/problems/${id}/analyses/${analysisId}`, { as: engineer, body: ishikawa, ifMatch: '"2"' }), 400, 'method');
    expect((await send('POST', `/problems/${id}/analyses`, { as: engineer, body: ishikawa })).status).toBe(201);
    const all = await send('GET', `/problems/${id}/analyses`, { as: auditor });
    expect(all.body.items).toHaveLength(3);
    expect(all.body.items.filter((a: { id: string }) => a.id === analysisId).map((a: { version: number }) => a.version)).toEqual([1, 2]);
    // Invalid analyses name the field.
    expectProblem(await send('POST', `/problems/${id}/analyses`, { as: engineer, body: { ...fiveWhys, steps: [] } }), 400, 'steps');
  });
});

const fiveWhys = {
  method: 'five-whys',
  steps: [
    { why: 'Why did mail stall?', because: 'The queue worker stopped' },
    { why: 'Why did the worker stop?', because: 'It ran out of file handles' },
  ],
  rootCause: 'Relay client leaks connections',
};
const ishikawa = {
  method: 'ishikawa',
  effect: 'Mail stalls on Mondays',
  causes: [{ category: 'technology', cause: 'Connection leak', evidence: '65k sockets open' }],
};

describe('links', () => {
  test('ten callers linking the same incident to the same problem at once make one link, listed from both sides; unlink removes it', async () => {
    const { id } = await newProblem();
    const incident = await newIncident();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => send('POST', `/problems/${id}/incidents`, { as: i % 2 ? engineer : agent, body: { incidentId: incident.body.id } })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const stored = await tables.documents.send(
      new QueryCommand({ TableName: tables.names.problems, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)', ExpressionAttributeValues: { ':pk': incidentLinkKey(id, '').pk, ':sk': 'INCIDENT#' } }),
    );
    expect(stored.Items).toHaveLength(1);
    expect((await send('GET', `/problems/${id}/incidents`, { as: agent })).body.items.map((l: { incidentId: string }) => l.incidentId)).toEqual([incident.body.id]);
    const fromIncident = await send('GET', `/incidents/${incident.body.id}/problems`, { as: agent });
    expect(fromIncident.body.items.map((l: { problemId: string }) => l.problemId)).toEqual([id]);
    // By number too; and one incident links to many problems.
    const other = await newProblem({ title: 'Second cause' });
    expect((await send('POST', `/problems/${other.id}/incidents`, { as: agent, body: { incidentId: incident.body.number } })).status).toBe(201);
    expect((await send('GET', `/incidents/${incident.body.number}/problems`, { as: auditor })).body.items).toHaveLength(2);
    expect((await auditActions('problem', id)).filter((a) => a === 'problem:link-incident')).toHaveLength(1);

    expect((await send('DELETE', `/problems/${id}/incidents/${incident.body.id}`, { as: engineer })).status).toBe(204);
    expectProblem(await send('DELETE', `/problems/${id}/incidents/${incident.body.id}`, { as: engineer }), 404);
    expect((await send('GET', `/incidents/${incident.body.id}/problems`, { as: agent })).body.items).toHaveLength(1);
    expectProblem(await send('POST', `/problems/${id}/incidents`, { as: agent, body: { incidentId: randomUUID() } }), 404, 'incidentId');
  });

  test('changes that fix a problem: the id format is checked, a pair is linked once', async () => {
    const { id } = await newProblem();
    expect((await send('POST', `/problems/${id}/changes`, { as: engineer, body: { changeId: 'CHG0000042', note: 'Relay client 4.3' } })).status).toBe(201);
    expect((await send('POST', `/problems/${id}/changes`, { as: engineer, body: { changeId: 'CHG0000042' } })).status).toBe(200);
    expectProblem(await send('POST', `/problems/${id}/changes`, { as: engineer, body: { changeId: 'change-42' } }), 400, 'changeId');
    expect((await send('GET', `/problems/${id}/changes`, { as: agent })).body.items.map((l: { changeId: string }) => l.changeId)).toEqual(['CHG0000042']);
  });
});

describe('known errors, error control and knowledge', () => {
  test('candidate solutions and the decision; raising a change names a solution; only service owners decide', async () => {
    const ke = await send('POST', '/known-errors', { as: engineer, body: knownErrorBody({ title: 'Printer spooler hangs', services: ['printing'], tags: [] }) });
    const id = ke.body.id as string;
    const proposed = await send('POST', `/known-errors/${id}/solutions`, {
      as: engineer,
      body: { description: 'Upgrade the spooler to 7.1', estimatedCost: '2 engineer-days', expectedBenefit: 'No more hangs: ~40 incidents a month' },
    });
    expect(proposed.status).toBe(201);
    const solutionId = proposed.body.solutions[0].id as string;
    expectProblem(await send('POST', `/known-errors/${id}/decision`, { as: engineer, body: { decision: 'accept', reason: 'x' }, ifMatch: '"2"' }), 403);
    expectProblem(await send('POST', `/known-errors/${id}/decision`, { as: serviceOwner, body: { decision: 'raise-change', reason: 'Worth it' }, ifMatch: '"2"' }), 400, 'solutionId');
    const decided = await send('POST', `/known-errors/${id}/decision`, { as: serviceOwner, body: { decision: 'raise-change', reason: 'Worth it', solutionId }, ifMatch: '"2"' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ decision: { decision: 'raise-change', solutionId, by: 'oscar.owner' }, fixStatus: 'planned', version: 3 });
    expect(await auditActions('known-error', id)).toEqual(['known-error:create', 'known-error:propose-solution', 'known-error:decide']);
  });

  test('the review lists known errors by ongoing impact: incidents linked in the last 30 days, then users affected', async () => {
    const make = async (title: string, incidentCount: number, usersAffected: number) => {
      const { id: problemId } = await newProblem({ title });
      for (let i = 0; i < incidentCount; i++) {
        const incident = await newIncident({ service: 'erp', shortDescription: `${title} ${i}`, usersAffected });
        await send('POST', `/problems/${problemId}/incidents`, { as: agent, body: { incidentId: incident.body.id } });
      }
      return (await send('POST', '/known-errors', { as: engineer, body: knownErrorBody({ title, problemId, services: ['erp'] }) })).body.id as string;
    };
    const low = await make('Review low', 1, 5);
    const high = await make('Review high', 3, 1);
    const middle = await make('Review middle', 1, 40);
    const review = await send('GET', '/known-errors', { as: serviceOwner, query: { review: 'true', limit: '100' } });
    expect(review.status).toBe(200);
    const order = review.body.items.map((k: { id: string }) => k.id).filter((id: string) => [low, high, middle].includes(id));
    expect(order).toEqual([high, middle, low]);
    expect(review.body.items.find((k: { id: string }) => k.id === high).impact).toEqual({ incidentsLast30Days: 3, usersAffected: 3 });
    expectProblem(await send('GET', '/known-errors', { as: serviceOwner, query: { review: 'maybe' } }), 400, 'review');
  });

  test('the review covers every known error, not the oldest hundred, and leaves out those whose fix is implemented', async () => {
    // More quiet known errors than the old review window, all older than the ones that matter.
    const repository = new DynamoDbProblemRepository(tables.documents, tables.names.problems);
    const longAgo = new Date(Date.now() - 400 * 86_400_000);
    await Promise.all(
      Array.from({ length: 110 }, (_, i) =>
        repository.putKnownError(
          newKnownError(randomUUID(), { title: `Quiet known error ${i}`, symptoms: 's', rootCause: 'r', workaround: 'w', services: ['erp'] }, { id: 'seed', name: 'seed' }, new Date(longAgo.getTime() + i).toISOString()),
          [],
        ),
      ),
    );
    const withIncidents = async (title: string, incidentCount: number, fixStatus?: string) => {
      const { id: problemId } = await newProblem({ title });
      for (let i = 0; i < incidentCount; i++) {
        const incident = await newIncident({ service: 'erp', shortDescription: `${title} ${i}`, usersAffected: 2 });
        await send('POST', `/problems/${problemId}/incidents`, { as: agent, body: { incidentId: incident.body.id } });
      }
      return (await send('POST', '/known-errors', { as: engineer, body: knownErrorBody({ title, problemId, services: ['erp'], ...(fixStatus && { fixStatus }) }) })).body.id as string;
    };
    const fixed = await withIncidents('Review fixed already', 6, 'implemented');
    const busiest = await withIncidents('Review busiest', 5);
    const review = await send('GET', '/known-errors', { as: serviceOwner, query: { review: 'true', limit: '1' } });
    expect(review.status).toBe(200);
    expect(review.body.items.map((k: { id: string }) => k.id)).toEqual([busiest]);
    expect(review.body.items[0].impact).toEqual({ incidentsLast30Days: 5, usersAffected: 10 });
    const all = await send('GET', '/known-errors', { as: serviceOwner, query: { review: 'true', limit: '100' } });
    expect(all.body.items.map((k: { id: string }) => k.id)).not.toContain(fixed);
  });

  test('GET …/suggestions answers matching known errors (with workarounds) and published articles (the 201 of POST /incidents does not); requesters get articles only', async () => {
    const ke = await send('POST', '/known-errors', {
      as: engineer,
      body: knownErrorBody({ title: 'VPN tunnel drops after sleep', symptoms: 'VPN client disconnects when the laptop wakes', workaround: 'Reconnect from the tray icon', services: ['vpn'], category: 'network', tags: ['vpn'] }),
    });
    const article = await send('POST', '/knowledge', { as: agent, body: { title: 'Reconnecting the VPN client after sleep', body: '1. Click the tray icon\n2. Reconnect', service: 'vpn', category: 'network', tags: ['vpn'], state: 'published' } });
    const draft = await send('POST', '/knowledge', { as: agent, body: { title: 'VPN client draft notes', body: 'wip', service: 'vpn', tags: ['vpn'] } });
    expect([ke.status, article.status, draft.status]).toEqual([201, 201, 201]);

    const incident = await newIncident({ service: 'vpn', category: 'network', shortDescription: 'VPN disconnects after sleep', description: 'Each morning the VPN client drops when the laptop wakes up.' });
    // Logging looks nothing up: suggestions are off the write path.
    expect(incident.body).not.toHaveProperty('suggestions');
    const listed = await send('GET', `/incidents/${incident.body.id}/suggestions`, { as: agent });
    expect(listed.status).toBe(200);
    expect(listed.body.knownErrors[0]).toMatchObject({ id: ke.body.id, workaround: 'Reconnect from the tray icon' });
    expect(listed.body.articles.map((a: { id: string }) => a.id)).toEqual([article.body.id]);

    const own = await newIncident({ service: 'vpn', category: 'network', shortDescription: 'VPN disconnects after sleep', description: 'It drops.' }, requester);
    const ownSuggestions = await send('GET', `/incidents/${own.body.id}/suggestions`, { as: requester });
    expect(ownSuggestions.status).toBe(200);
    expect(ownSuggestions.body.knownErrors).toEqual([]);
    expect(ownSuggestions.body.articles.map((a: { id: string }) => a.id)).toEqual([article.body.id]);
    expectProblem(await send('GET', `/incidents/${incident.body.id}/suggestions`, { as: requester }), 404);
  });

  test('knowledge search ranks by words, service and tags; drafts are not found; requesters read published articles only', async () => {
    const strong = await send('POST', '/knowledge', { as: engineer, body: { title: 'ERP invoice export fails with timeout', body: '…', service: 'erp', tags: ['invoice'], state: 'published' } });
    const weak = await send('POST', '/knowledge', { as: engineer, body: { title: 'ERP export settings', body: '…', service: 'erp', state: 'published' } });
    const draft = await send('POST', '/knowledge', { as: engineer, body: { title: 'ERP invoice export timeout (draft)', body: '…', service: 'erp' } });
    const found = await send('GET', '/knowledge', { as: requester, query: { q: 'invoice export timeout', service: 'erp' } });
    expect(found.status).toBe(200);
    const ids = found.body.items.map((a: { id: string }) => a.id);
    expect(ids.indexOf(strong.body.id)).toBeLessThan(ids.indexOf(weak.body.id));
    expect(ids).not.toContain(draft.body.id);
    expect((await send('GET', `/knowledge/${strong.body.id}`, { as: requester })).status).toBe(200);
    expectProblem(await send('GET', `/knowledge/${draft.body.id}`, { as: requester }), 404);
    expectProblem(await send('GET', '/knowledge', { as: requester, query: {} }), 400, 'q');
  });

  test('known errors are found by words and service, best first', async () => {
    await send('POST', '/known-errors', { as: engineer, body: knownErrorBody({ title: 'Payroll batch overruns', symptoms: 'Nightly payroll batch still running at 08:00', services: ['erp'], tags: [] }) });
    const found = await send('GET', '/known-errors', { as: agent, query: { q: 'payroll batch running', service: 'erp' } });
    expect(found.body.items[0]).toMatchObject({ title: 'Payroll batch overruns' });
    expect(found.body.items[0].score).toBeGreaterThan(0);
  });
});

describe('knowledge lifecycle', () => {
  test('draft → published (found) → edited (re-indexed) → archived (out of search, still readable by the desk); If-Match on every change; each change audited', async () => {
    const repository = new DynamoDbProblemRepository(tables.documents, tables.names.problems);
    const created = await send('POST', '/knowledge', { as: agent, body: { title: 'Quokka badge reader reset', body: 'Hold the button 10 s', service: 'printing', tags: ['badge'] } });
    expect(created.body).toMatchObject({ state: 'draft', views: 0, version: 1 });
    const id = created.body.id as string;
    expect(await repository.termHits('ka', ['quokka'], 10)).toEqual([]);

    expectProblem(await send('PATCH', `/knowledge/${id}`, { as: agent, body: { state: 'published' } }), 428, 'If-Match');
    expectProblem(await send('PATCH', `/knowledge/${id}`, { as: agent, body: { state: 'published' }, ifMatch: '"5"' }), 412);
    expectProblem(await send('PATCH', `/knowledge/${id}`, { as: requester, body: { state: 'published' }, ifMatch: '"1"' }), 403);
    expectProblem(await send('PATCH', `/knowledge/${id}`, { as: auditor, body: { state: 'published' }, ifMatch: '"1"' }), 403);
    expectProblem(await send('PATCH', `/knowledge/${id}`, { as: agent, body: {}, ifMatch: '"1"' }), 400);
    const published = await send('PATCH', `/knowledge/${id}`, { as: agent, body: { state: 'published' }, ifMatch: '"1"' });
    expect(published.status).toBe(200);
    expect(published.headers['etag']).toBe('"2"');
    expect(published.body).toMatchObject({ state: 'published', publishedAt: expect.any(String) });
    expect((await send('GET', '/knowledge', { as: requester, query: { q: 'quokka badge' } })).body.items.map((a: { id: string }) => a.id)).toEqual([id]);

    const edited = await send('PATCH', `/knowledge/${id}`, { as: engineer, body: { title: 'Wombat badge reader reset' }, ifMatch: '"2"' });
    expect(edited.status).toBe(200);
    expect(await repository.termHits('ka', ['quokka'], 10)).toEqual([]);
    expect(await repository.termHits('ka', ['wombat'], 10)).toEqual([{ term: 'wombat', id }]);

    const archived = await send('PATCH', `/knowledge/${id}`, { as: agent, body: { state: 'archived' }, ifMatch: '"3"' });
    expect(archived.body).toMatchObject({ state: 'archived', version: 4 });
    expect(await repository.termHits('ka', ['wombat'], 10)).toEqual([]);
    expect(await repository.termHits('ka', ['tag:badge'], 10)).toEqual([]);
    expect((await send('GET', '/knowledge', { as: agent, query: { q: 'wombat badge' } })).body.items).toEqual([]);
    expect((await send('GET', `/knowledge/${id}`, { as: agent })).body).toMatchObject({ state: 'archived', title: 'Wombat badge reader reset' });
    expectProblem(await send('GET', `/knowledge/${id}`, { as: requester }), 404);
    expectProblem(await send('PATCH', `/knowledge/${id}`, { as: agent, body: { state: 'draft' }, ifMatch: '"4"' }), 409, 'state');
    const restored = await send('PATCH', `/knowledge/${id}`, { as: agent, body: { state: 'published' }, ifMatch: '"4"' });
    expect(restored.status).toBe(200);
    expect(await repository.termHits('ka', ['wombat'], 10)).toEqual([{ term: 'wombat', id }]);
    expect(await auditActions('article', id)).toEqual(['article:create', 'article:publish', 'article:update', 'article:archive', 'article:publish']);
  });

  test('issue 20: an article holding a credential is not published (400 naming the field); as a draft it may be kept and cleaned', async () => {
    const token = ['ghp_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'].join('');
    const body = { title: 'Deploy key for the build', body: `Use the token ${token} to push`, service: 'vpn', category: 'network', tags: ['build'] };
    expectProblem(await send('POST', '/knowledge', { as: agent, body: { ...body, state: 'published' } }), 400, 'body');
    const draft = await send('POST', '/knowledge', { as: agent, body });
    expect(draft.status).toBe(201);
    const id = draft.body.id as string;
    expectProblem(await send('PATCH', `/knowledge/${id}`, { as: agent, body: { state: 'published' }, ifMatch: '"1"' }), 400, 'body');
    expect((await send('GET', `/knowledge/${id}`, { as: agent })).body).toMatchObject({ state: 'draft', version: 1 });
    const cleaned = await send('PATCH', `/knowledge/${id}`, { as: agent, body: { body: 'Ask the build team for a deploy token (Secrets Manager: build/deploy)', state: 'published' }, ifMatch: '"1"' });
    expect(cleaned.body).toMatchObject({ state: 'published' });
  });

  test('reading by id counts a view and sets lastAccessedAt, without a new version, ETag or audit record; searching counts nothing', async () => {
    const created = await send('POST', '/knowledge', { as: agent, body: { title: 'Numbat VPN profile import', body: '…', state: 'published' } });
    const id = created.body.id as string;
    await send('GET', '/knowledge', { as: agent, query: { q: 'numbat' } });
    const first = await send('GET', `/knowledge/${id}`, { as: requester });
    expect(first.body).toMatchObject({ views: 1, version: 1, lastAccessedAt: expect.any(String) });
    expect(first.headers['etag']).toBe('"1"');
    const reads = await Promise.all(Array.from({ length: 5 }, () => send('GET', `/knowledge/${id}`, { as: agent })));
    expect(reads.every((r) => r.status === 200 && r.headers['etag'] === '"1"')).toBe(true);
    expect((await send('GET', `/knowledge/${id}`, { as: auditor })).body.views).toBe(7);
    // An edit keeps the reads' count (it is an update of the fields it changes, not a replacement).
    const edited = await send('PATCH', `/knowledge/${id}`, { as: agent, body: { body: 'Step 1' }, ifMatch: '"1"' });
    expect(edited.body).toMatchObject({ views: 7, version: 2 });
    expect(await auditActions('article', id)).toEqual(['article:create', 'article:update']);
    expectProblem(await send('GET', `/knowledge/${randomUUID()}`, { as: agent }), 404);
  });
});

describe('draft articles from resolutions', () => {
  test('resolving with notes drafts one article (title, notes, service/category tags, source), not searchable; a replay drafts nothing more; the next resolution drafts its own', async () => {
    const incident = await newIncident({ service: 'erp', category: 'software', shortDescription: 'Aardvark report export hangs' });
    const id = incident.body.id as string;
    expect((await send('PATCH', `/incidents/${id}`, { as: agent, body: { state: 'In Progress' }, ifMatch: '"1"' })).status).toBe(200);
    // The outbox consumer's own entry on the incidents table's stream, from here on.
    const consumer = loadOutboxConsumer();
    const effects = await outboxDrain(tables, consumer, { from: 'now' });
    const delivered = async () => {
      await effects.drain();
      expect(effects.failed).toEqual([]);
    };
    const resolved = await send('PATCH', `/incidents/${id}`, {
      as: agent,
      body: { state: 'Resolved', resolutionCode: 'Solved (workaround)', resolutionNotes: 'Cleared the report cache and restarted the export worker' },
      ifMatch: '"2"',
    });
    expect(resolved.status).toBe(200);
    const draftId = resolutionDraftId(id, 1);
    // The draft is an outbox effect stored with the resolution: nothing in the problems table until it is delivered.
    expect((await send('GET', `/knowledge/${draftId}`, { as: engineer })).status).toBe(404);
    const stored = (await scanAll(tables.documents, tables.names.incidents)).filter((i) => i['pk'] === OUTBOX_PARTITION && i['kind'] === 'draft-article');
    expect(stored.map((i) => i['effectId'])).toEqual([`${id}#v3#draft-article`]);
    await delivered();

    const draft = await send('GET', `/knowledge/${draftId}`, { as: engineer });
    expect(draft.status).toBe(200);
    expect(draft.body).toMatchObject({
      state: 'draft',
      title: 'Aardvark report export hangs',
      service: 'erp',
      category: 'software',
      tags: ['erp', 'software'],
      source: { incident: id, number: incident.body.number },
      createdBy: 'alice.agent',
    });
    expect(draft.body.body).toContain('Cleared the report cache and restarted the export worker');
    expect(draft.body.body).toContain(incident.body.number);
    expect((await send('GET', '/knowledge', { as: agent, query: { q: 'aardvark' } })).body.items).toEqual([]);
    expectProblem(await send('GET', `/knowledge/${draftId}`, { as: requester }), 404);
    expect(await auditActions('article', draftId)).toEqual(['article:draft-from-resolution']);

    // A replayed resolution (the same incident and resolution count) finds its draft: nothing written, nothing audited.
    const audit = new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } });
    const drafts = { drafts: new DynamoDbResolutionDrafts(tables.documents, tables.names.problems, audit) };
    expect(resolved.body.reopenCount).toBe(0);
    const actor = { id: 'x', name: 'alice.agent' };
    await Promise.all([1, 2, 3].map(() => recordResolutionDraft(drafts, resolutionDraftOf(resolved.body, actor, new Date().toISOString())!, actor)));
    expect((await send('GET', `/knowledge/${draftId}`, { as: engineer })).body.body).toContain('Cleared the report cache');
    // Every batch the consumer got, delivered again (at-least-once): nothing stored or audited twice.
    for (const event of effects.invocations) expect(await consumer(event)).toEqual({ batchItemFailures: [] });
    expect(await auditActions('article', draftId)).toEqual(['article:draft-from-resolution']);

    // The draft and its audit record are one transaction: an audit record that cannot be stored
    // leaves no draft either (the effect stays and is retried), never a draft nobody audited.
    const failingAudit = { transactPut: (entry: Parameters<typeof audit.transactPut>[0]) => ({ ...audit.transactPut(entry), ConditionExpression: 'attribute_exists(pk)' }) };
    const unaudited = resolutionDraftOf({ ...resolved.body, reopenCount: 7 }, actor, new Date().toISOString())!;
    await expect(recordResolutionDraft({ drafts: new DynamoDbResolutionDrafts(tables.documents, tables.names.problems, failingAudit) }, unaudited, actor)).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expectProblem(await send('GET', `/knowledge/${unaudited.id}`, { as: engineer }), 404);
    expect(await auditActions('article', unaudited.id)).toEqual([]);

    // Rejected and resolved again: the second resolution has its own draft.
    expect((await send('POST', `/incidents/${id}/reject`, { as: agent, body: { reason: 'Still hangs' }, ifMatch: '"3"' })).status).toBe(200);
    const again = await send('PATCH', `/incidents/${id}`, {
      as: agent,
      body: { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Patched the export worker to 2.4' },
      ifMatch: '"4"',
    });
    expect(again.status).toBe(200);
    await delivered();
    await effects.stop();
    const second = await send('GET', `/knowledge/${resolutionDraftId(id, 2)}`, { as: engineer });
    expect(second.body).toMatchObject({ state: 'draft', source: { incident: id } });
    expect(second.body.body).toContain('Patched the export worker to 2.4');
    // Publishing it makes it searchable like any article.
    expect((await send('PATCH', `/knowledge/${second.body.id}`, { as: engineer, body: { state: 'published' }, ifMatch: '"1"' })).status).toBe(200);
    expect((await send('GET', '/knowledge', { as: requester, query: { q: 'aardvark' } })).body.items.map((a: { id: string }) => a.id)).toEqual([second.body.id]);
  });
});

describe('problem candidates', () => {
  test('GET /problems/candidates answers trends and duplicates over the window; bad window or threshold → 400; requesters 403', async () => {
    const found = await send('GET', '/problems/candidates', { as: engineer, query: { window: 'P1D', threshold: '2' } });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ window: { duration: 'P1D' }, threshold: 2, incidentsRead: expect.any(Number) });
    expect(found.body.candidates.length).toBeGreaterThan(0);
    expect((await send('GET', '/problems/candidates', { as: agent })).body).toMatchObject({ window: { duration: 'P30D' }, threshold: 3 });
    expectProblem(await send('GET', '/problems/candidates', { as: engineer, query: { window: '30 days' } }), 400, 'window');
    expectProblem(await send('GET', '/problems/candidates', { as: engineer, query: { threshold: '1' } }), 400, 'threshold');
    expectProblem(await send('GET', '/problems/candidates', { as: requester }), 403);
  });
});

describe('who may do what', () => {
  test.each([
    ['requester', requester, 403],
    ['agent', agent, 403],
    ['auditor', auditor, 403],
    ['change manager', changeManager, 403],
    ['engineer', engineer, 201],
    ['service owner', serviceOwner, 201],
    ['admin', admin, 201],
  ] as const)('%s records a problem', async (_name, as, status) => {
    const answer = await send('POST', '/problems', { as, body: problemBody() });
    if (status === 201) expect(answer.status).toBe(201);
    else expectProblem(answer, status);
  });

  test('requesters see nothing of problems or known errors; auditors and agents read; agents do not change problems', async () => {
    const { id } = await newProblem();
    expectProblem(await send('GET', `/problems/${id}`, { as: requester }), 403);
    expectProblem(await send('GET', '/problems', { as: requester }), 403);
    expectProblem(await send('GET', '/known-errors', { as: requester }), 403);
    expect((await send('GET', `/problems/${id}`, { as: auditor })).status).toBe(200);
    expectProblem(await moveTo(id, '"1"', 'Assessed').then(() => send('PATCH', `/problems/${id}`, { as: agent, body: { title: 'x' }, ifMatch: '"2"' })), 403);
    expectProblem(await send('POST', '/known-errors', { as: agent, body: knownErrorBody() }), 403);
    expectProblem(await send('POST', `/problems/${id}/incidents`, { as: auditor, body: { incidentId: randomUUID() } }), 403);
  });

  test('every index a list uses is the one in the key module (no Scan): the search-term index holds only published articles', async () => {
    const repository = new DynamoDbProblemRepository(tables.documents, tables.names.problems);
    const draft = await send('POST', '/knowledge', { as: engineer, body: { title: 'Zebra label printer calibration', body: '…', state: 'draft' } });
    expect(await repository.termHits('ka', ['zebra'], 10)).toEqual([]);
    const published = await send('POST', '/knowledge', { as: engineer, body: { title: 'Zebra label printer calibration', body: '…', state: 'published' } });
    expect(await repository.termHits('ka', ['zebra'], 10)).toEqual([{ term: 'zebra', id: published.body.id }]);
    expect(draft.body.id).not.toBe(published.body.id);
    expect(PROBLEM_INDEXES.bySearchTerm.name).toBe('bySearchTerm');
  });
});
