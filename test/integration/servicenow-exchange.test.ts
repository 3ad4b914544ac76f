import { webhookSignature } from '../../src/kernel/adapters/webhook-notifier';
import { apiEvent, callers, lambdaContext, type TestCaller } from './support-events';
import { KNOWLEDGE_BASE, startServiceNowExchange, WEBHOOK_SECRET, type ServiceNowExchange } from './support-servicenow';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { effectsOf } from '../../src/modules/outbox/domain';
import { outboxPuts } from '../../src/modules/outbox/adapters';
import { syncStateKey } from '../../src/modules/servicenow/adapters/servicenow-table-keys';
import { loadIngestionHandler, validIncidentBody } from './support-handler';
import alarmSample from '../fixtures/eventbridge/cloudwatch-alarm-state-change.json';

/**
 * Incidents kept in step with a client's ServiceNow (issue 18), against the stateful Table API
 * fake whose business rule calls our webhook after every write, ours included.
 */
describe('ServiceNow exchange', () => {
  let x: ServiceNowExchange;
  const agent = callers.agent;

  beforeAll(async () => {
    x = await startServiceNowExchange();
  });
  afterAll(async () => {
    await x?.close();
  });

  const createHere = async (overrides: Record<string, unknown> = {}) => {
    const created = await x.api('POST', { path: '/incidents', body: validIncidentBody({ service: 'email', impact: 3, urgency: 3, ...overrides }), caller: agent });
    expect(created.status).toBe(201);
    return created.body as { id: string; number: string; version: number };
  };
  const getHere = async (id: string) => (await x.api('GET', { path: `/incidents/${id}`, resource: '/incidents/{id}', pathParameters: { id }, caller: agent })).body;
  const patchHere = (id: string, body: unknown) => x.api('PATCH', { path: `/incidents/${id}`, resource: '/incidents/{id}', pathParameters: { id }, body, caller: agent, headers: { 'If-Match': '*' } });
  const noteHere = (id: string, type: 'comment' | 'work-note', text: string) =>
    x.api('POST', { path: `/incidents/${id}/comments`, resource: '/incidents/{id}/comments', pathParameters: { id }, body: { type, text }, caller: agent });
  const timelineHere = async (id: string) => {
    const items: any[] = [];
    let nextToken: string | undefined;
    do {
      const page = await x.api('GET', { path: `/incidents/${id}/timeline`, resource: '/incidents/{id}/timeline', pathParameters: { id }, query: { limit: '100', ...(nextToken && { nextToken }) }, caller: agent });
      items.push(...page.body.items);
      nextToken = page.body.nextToken;
    } while (nextToken);
    return items;
  };
  const recordOf = (id: string) => x.fake.records('incident').filter((r) => r['correlation_id'] === id);

  test('an incident logged here makes one record there, linked both ways; redelivery makes no second one', async () => {
    const incident = await createHere({ shortDescription: 'Payroll export fails' });
    await x.quiesce();
    const records = recordOf(incident.id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ correlation_display: incident.number, short_description: 'Payroll export fails', state: '1', impact: '3', urgency: '3' });
    expect(await getHere(incident.id)).toMatchObject({ external: { servicenow: { sysId: records[0]!['sys_id'], number: records[0]!['number'], table: 'incident' } } });

    expect(x.fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  test('a record raised there becomes one incident here, with its comments; our link write is not echoed back', async () => {
    const record = x.fake.insert('incident', { short_description: 'Printer on fire', description: 'Floor 2', impact: '2', urgency: '1', comments: 'Smoke visible' });
    await x.quiesce();
    const incidentId = x.fake.record('incident', record['sys_id']!)!['correlation_id']!;
    expect(incidentId).toMatch(/^[0-9a-f-]{36}$/);
    const here = await getHere(incidentId);
    expect(here).toMatchObject({ shortDescription: 'Printer on fire', impact: 2, urgency: 1, service: 'email', external: { servicenow: { sysId: record['sys_id'] } } });
    const comments = (await timelineHere(incidentId)).filter((e) => e.type === 'comment');
    expect(comments.map((c) => c.text)).toEqual(['beth.servicedesk (ServiceNow): Smoke visible']);
    // Their comment never comes back to them.
    expect(x.fake.journal(record['sys_id']!).map((row) => row['value'])).toEqual(['Smoke visible']);
    // The business rule fired for every write there; a second delivery of the record makes nothing new.
    x.fake.update('incident', record['sys_id']!, { short_description: 'Printer on fire' });
    await x.quiesce();
    expect(x.fake.records('incident').filter((r) => r['sys_id'] === record['sys_id'])).toHaveLength(1);
  });

  test('100 edits on each side are each applied once, with no loop', async () => {
    const incident = await createHere({ shortDescription: 'Edit storm' });
    await x.quiesce();
    const [record] = recordOf(incident.id);
    const sysId = record!['sys_id']!;
    const requestsBefore = x.fake.requests.length;
    for (let i = 0; i < 100; i++) {
      if (i % 2 === 0) expect((await patchHere(incident.id, { description: `ours ${i}` })).status).toBe(200);
      else expect((await noteHere(incident.id, 'comment', `our comment ${i}`)).status).toBe(201);
    }
    await x.quiesce();
    const there = x.fake.record('incident', sysId)!;
    expect(there['description']).toBe('ours 98');
    expect(x.fake.journal(sysId, 'comments').map((r) => r['value'])).toEqual(Array.from({ length: 50 }, (_, k) => `[rowe-itsm] alice.agent: our comment ${2 * k + 1}`));

    for (let i = 0; i < 100; i++) {
      if (i % 2 === 0) x.fake.update('incident', sysId, { description: `theirs ${i}` });
      else x.fake.update('incident', sysId, { comments: `their comment ${i}` });
      await x.fake.settled();
    }
    await x.quiesce();
    const here = await getHere(incident.id);
    expect(here.description).toBe('theirs 98');
    const theirComments = (await timelineHere(incident.id)).filter((e) => e.type === 'comment' && e.actor === 'servicenow');
    expect(theirComments.map((c) => c.text)).toEqual(Array.from({ length: 50 }, (_, k) => `beth.servicedesk (ServiceNow): their comment ${2 * k + 1}`));
    // No ping-pong: their 100 writes caused no write of ours there, and nothing wrote again once settled.
    const oursThere = x.fake.requests.slice(requestsBefore).filter((r) => r.method !== 'GET');
    expect(oursThere.length).toBeLessThanOrEqual(100);
    const settled = x.fake.requests.length;
    await x.quiesce();
    expect(x.fake.requests.length).toBe(settled);
  });

  test('a lost business-rule call is caught by the poll; the poll applies it once', async () => {
    const incident = await createHere({ shortDescription: 'Lost webhook' });
    await x.quiesce();
    const sysId = recordOf(incident.id)[0]!['sys_id']!;
    x.fake.ruleEnabled = false;
    x.fake.update('incident', sysId, { urgency: '1', comments: 'Any news?' });
    x.fake.ruleEnabled = true;
    await x.quiesce();
    expect((await getHere(incident.id)).urgency).toBe(3);
    const outcome = await x.poll();
    expect(outcome.failed).toBe(0);
    await x.quiesce();
    expect((await getHere(incident.id)).urgency).toBe(1);
    const again = await x.poll();
    expect(again).toMatchObject({ failed: 0 });
    await x.quiesce();
    expect((await timelineHere(incident.id)).filter((e) => e.text === 'beth.servicedesk (ServiceNow): Any news?')).toHaveLength(1);
  });

  test('a 429 storm delays delivery; everything arrives after, in order per record', async () => {
    const incident = await createHere({ shortDescription: 'Rate limited' });
    await x.quiesce();
    const sysId = recordOf(incident.id)[0]!['sys_id']!;
    for (let i = 0; i < 5; i++) expect((await noteHere(incident.id, 'comment', `step ${i}`)).status).toBe(201);
    x.fake.failNext(6, 429, 0);
    await x.quiesce();
    expect(x.fake.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(6);
    expect(x.effects.failed).toEqual([]);
    expect(x.fake.journal(sysId, 'comments').map((r) => r['value'])).toEqual([0, 1, 2, 3, 4].map((i) => `[rowe-itsm] alice.agent: step ${i}`));
  });

  test('internal work notes reach work_notes, never comments', async () => {
    const incident = await createHere({ shortDescription: 'Visibility' });
    await noteHere(incident.id, 'work-note', 'root cause: expired cert (internal)');
    await noteHere(incident.id, 'comment', 'We are on it');
    await x.quiesce();
    const sysId = recordOf(incident.id)[0]!['sys_id']!;
    expect(x.fake.journal(sysId, 'work_notes').map((r) => r['value'])).toEqual(['[rowe-itsm] alice.agent: root cause: expired cert (internal)']);
    expect(x.fake.journal(sysId, 'comments').map((r) => r['value'])).toEqual(['[rowe-itsm] alice.agent: We are on it']);
  });

  test('resolution there carries the mapped close code and notes; a reopen there reopens here', async () => {
    const incident = await createHere({ shortDescription: 'Reopen me' });
    expect((await patchHere(incident.id, { state: 'In Progress' })).status).toBe(200);
    expect((await patchHere(incident.id, { state: 'Resolved', resolutionCode: 'Solved (workaround)', resolutionNotes: 'Restarted the spooler' })).status).toBe(200);
    await x.quiesce();
    const sysId = recordOf(incident.id)[0]!['sys_id']!;
    expect(x.fake.record('incident', sysId)).toMatchObject({ state: '6', close_code: 'Solved (Work Around)', close_notes: 'Restarted the spooler' });
    x.fake.update('incident', sysId, { state: '2', comments: 'Still broken' });
    await x.quiesce();
    expect(await getHere(incident.id)).toMatchObject({ state: 'In Progress', reopenCount: 1 });
  });

  test('both sides changing a field between syncs: the owner wins and the other value is listed', async () => {
    const incident = await createHere({ shortDescription: 'Contested' });
    await x.quiesce();
    const sysId = recordOf(incident.id)[0]!['sys_id']!;
    x.fake.ruleEnabled = false;
    expect((await patchHere(incident.id, { shortDescription: 'Contested (ours)' })).status).toBe(200);
    x.fake.update('incident', sysId, { short_description: 'Contested (theirs)' });
    x.fake.ruleEnabled = true;
    await x.quiesce();
    // The standard fields are ours to win (owner rowe-itsm in the example).
    expect(x.fake.record('incident', sysId)!['short_description']).toBe('Contested (ours)');
    expect((await getHere(incident.id)).shortDescription).toBe('Contested (ours)');
    const listed = await x.api('GET', { path: '/integrations/servicenow/exceptions', query: { status: 'open' }, caller: agent });
    expect(listed.status).toBe(200);
    const exception = listed.body.items.find((e: any) => e.incidentId === incident.id);
    expect(exception).toMatchObject({ kind: 'conflict', field: 'short_description', kept: 'rowe-itsm', ours: 'Contested (ours)', theirs: 'Contested (theirs)', status: 'open' });
    const resolved = await x.api('POST', {
      path: `/integrations/servicenow/exceptions/${exception.id}/resolve`,
      resource: '/integrations/servicenow/exceptions/{id}/resolve',
      pathParameters: { id: exception.id },
      caller: agent,
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution: 'accepted', resolvedBy: 'alice.agent' });
    const requester = await x.api('GET', { path: '/integrations/servicenow/exceptions', caller: callers.requester });
    expect(requester.status).toBe(403);
  });

  test('a bad signature or a stale timestamp is refused with 401 and nothing is applied', async () => {
    const incident = await createHere({ shortDescription: 'Forged' });
    await x.quiesce();
    const sysId = recordOf(incident.id)[0]!['sys_id']!;
    // Their change lands there without a call; then forged calls for it are refused.
    x.fake.ruleEnabled = false;
    const changed = x.fake.update('incident', sysId, { urgency: '1' });
    x.fake.ruleEnabled = true;
    const body = JSON.stringify({ table: 'incident', sys_id: sysId, sys_mod_count: changed['sys_mod_count'] });
    const now = Math.floor(Date.now() / 1000);
    const send = (signature: string) =>
      x.servicenow(apiEvent('POST', { path: '/integrations/servicenow/events', body, headers: { 'X-Rowe-Itsm-Signature': signature } }), lambdaContext('rowe-itsm-example-servicenow'));
    for (const signature of [webhookSignature('wrong-key', now, body), webhookSignature(WEBHOOK_SECRET, now - 301, body), 'v1=deadbeef', '']) {
      const answer = await send(signature);
      expect(answer.statusCode).toBe(401);
      expect(answer.headers['Content-Type']).toBe('application/problem+json');
      expect(JSON.parse(answer.body).errors).toEqual([expect.objectContaining({ field: 'X-Rowe-Itsm-Signature' })]);
    }
    await x.quiesce();
    expect((await getHere(incident.id)).urgency).toBe(3);
    const genuine = await send(webhookSignature(WEBHOOK_SECRET, now, body));
    expect(genuine.statusCode).toBe(202);
    expect((await getHere(incident.id)).urgency).toBe(1);
  });

  test('an incident monitoring opens is pushed there at its creation, not at its next change', async () => {
    const ingest = loadIngestionHandler(x.settings) as (event: unknown, context: unknown) => Promise<any>;
    const alarm = `snow-${Date.now()}`;
    const event = (state: 'ALARM' | 'OK', id: string) => ({
      ...alarmSample,
      id,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      resources: [`arn:aws:cloudwatch:eu-west-2:123456789012:alarm:${alarm}`],
      detail: { ...alarmSample.detail, alarmName: alarm, state: { ...alarmSample.detail.state, value: state, reason: `${alarm} is ${state}` } },
    });
    const context = lambdaContext('rowe-itsm-example-event-ingestion');
    const opened = await ingest(event('ALARM', `${alarm}-1`), context);
    expect(opened.outcome).toBe('opened');
    // Nothing else happens to the incident here: its creation alone brings it there.
    await x.quiesce();
    const [record] = recordOf(opened.incidentId);
    expect(record).toMatchObject({ correlation_display: expect.stringMatching(/^INC/), state: '1' });
    expect(record!['short_description']).toContain(alarm);
  });

  describe('client approvals (a change the client approves is mirrored to a change_request)', () => {
    const { changeManager, engineer } = callers;
    const approvingManager = { sub: '0b7c1c1e-0000-4000-8000-000000000107', username: 'paula.approver', groups: 'change-manager' };
    const changeApi = (method: string, id: string | undefined, body?: unknown, as: TestCaller = changeManager, extra = '') =>
      x.api(method, {
        path: `/changes${id ? `/${id}` : ''}${extra}`,
        resource: `/changes${id ? '/{id}' : ''}${extra}`,
        ...(id && { pathParameters: { id } }),
        ...(body !== undefined && { body }),
        headers: { 'If-Match': '*' },
        caller: as,
      });
    const assessedChange = async (title: string) => {
      const created = await changeApi('POST', undefined, {
        type: 'normal', title, reason: 'Rotate the mail relay certificate', services: ['email'],
        implementationPlan: 'Install the new certificate', testPlan: 'Send a test mail', backoutPlan: 'Reinstall the old one',
        plannedStart: '2031-03-05T20:00:00Z', plannedEnd: '2031-03-05T21:00:00Z', likelihood: 1, severity: 1, securityImpact: 'None',
      }, engineer);
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      expect((await changeApi('PATCH', id, { state: 'Submitted' }, engineer)).status).toBe(200);
      const assessed = await changeApi('PATCH', id, { state: 'Assessed' });
      expect(assessed.body.approvals).toEqual([{ capacity: 'change-manager', count: 1 }, { capacity: 'client', count: 1 }]);
      await x.quiesce();
      const records = x.fake.records('change_request').filter((r) => r['correlation_id'] === id);
      expect(records).toHaveLength(1);
      return { id, record: records[0]! };
    };

    test('their approval is the client approver vote here, with who and when; our later steps reach the record, no second record', async () => {
      const { id, record } = await assessedChange('Renew mail certificate');
      expect(record).toMatchObject({ approval: 'requested', state: '-3', type: 'normal', risk: '4', short_description: 'Renew mail certificate', start_date: '2031-03-05 20:00:00' });
      const [row] = x.fake.approvalsOf(record['sys_id']!);
      expect(row).toMatchObject({ state: 'requested', approver: x.fake.userOf('carol.client')['sys_id'] });
      const voted = x.fake.update('sysapproval_approver', row!['sys_id']!, { state: 'approved', comments: 'Fine by us, outside business hours' }, 'carol.client');
      await x.quiesce();
      const change = (await changeApi('GET', id)).body;
      expect(change.state).toBe('Assessed');
      expect(change.votes).toEqual([
        { by: 'carol.client (ServiceNow)', capacity: 'client', decision: 'approve', reason: 'Fine by us, outside business hours', at: new Date(`${voted['sys_updated_on']!.replace(' ', 'T')}Z`).toISOString(), via: 'servicenow', recordedAt: expect.any(String) },
      ]);
      // The change manager's vote here approves it; the record follows, its approval left as they decided.
      expect((await changeApi('POST', id, { decision: 'approve', reason: 'Low risk' }, approvingManager, '/approvals')).body.state).toBe('Approved');
      await x.quiesce();
      expect(x.fake.records('change_request').filter((r) => r['correlation_id'] === id)).toEqual([expect.objectContaining({ approval: 'approved', state: '-2' })]);
      // Settled: nothing more is written either way.
      const settled = x.fake.requests.length;
      await x.quiesce();
      expect(x.fake.requests.length).toBe(settled);
    });

    test('a rejection there rejects the change here; a vote they cast after our rejection is listed, not applied', async () => {
      const { id, record } = await assessedChange('Replace mail relay');
      const [row] = x.fake.approvalsOf(record['sys_id']!);
      x.fake.update('sysapproval_approver', row!['sys_id']!, { state: 'rejected' }, 'carol.client');
      await x.quiesce();
      const change = (await changeApi('GET', id)).body;
      expect(change).toMatchObject({ state: 'Rejected', votes: [expect.objectContaining({ by: 'carol.client (ServiceNow)', decision: 'reject', reason: `Rejected in ServiceNow (${record['number']})` })] });
      expect(x.fake.record('change_request', record['sys_id']!)).toMatchObject({ approval: 'rejected', state: '4' });

      const late = await assessedChange('Move mail relay');
      expect((await changeApi('POST', late.id, { decision: 'reject', reason: 'Not now' }, approvingManager, '/approvals')).body.state).toBe('Rejected');
      await x.quiesce();
      const [lateRow] = x.fake.approvalsOf(late.record['sys_id']!);
      x.fake.update('sysapproval_approver', lateRow!['sys_id']!, { state: 'approved' }, 'carol.client');
      await x.quiesce();
      expect((await changeApi('GET', late.id)).body.votes.map((v: { by: string }) => v.by)).toEqual(['paula.approver']);
      const listed = await x.api('GET', { path: '/integrations/servicenow/exceptions', query: { status: 'open' }, caller: agent });
      expect(listed.body.items.find((e: any) => e.incidentId === `change:${late.id}`)).toMatchObject({ kind: 'refused-here', table: 'change_request', field: 'approval', theirs: 'approved' });
    });
  });

  describe('knowledge published to their knowledge base (kb_knowledge)', () => {
    const { engineer } = callers;
    const kbRecords = () => x.fake.records('kb_knowledge');
    const kbCalls = () => x.fake.requests.filter((r) => r.url.startsWith('/api/now/table/kb_knowledge'));
    const kbWrites = () => kbCalls().filter((r) => r.method !== 'GET');
    const writeArticle = async (method: 'POST' | 'PATCH', body: Record<string, unknown>, id?: string) => {
      const response = await x.api(method, {
        path: `/knowledge${id ? `/${id}` : ''}`,
        resource: `/knowledge${id ? '/{id}' : ''}`,
        ...(id && { pathParameters: { id } }),
        body,
        headers: { 'If-Match': '*' },
        caller: engineer,
      });
      expect(response.status).toBe(method === 'POST' ? 201 : 200);
      return response.body as { id: string; version: number };
    };
    const syncOf = async (articleId: string) =>
      (await x.environment.tables.documents.send(new GetCommand({ TableName: x.environment.tables.names.incidents, Key: syncStateKey(`article:${articleId}`), ConsistentRead: true }))).Item?.['state'];

    test('published: one published record, mapped; changed: updated; archived: retired; an old effect delivered late changes nothing', async () => {
      const article = await writeArticle('POST', { title: 'Reset your VPN token', body: 'Open **Settings**, then <Reset>.', tags: ['vpn', 'token'], state: 'published', audience: 'client' });
      await x.quiesce();
      const [record, ...others] = kbRecords().filter((r) => r['short_description'] === 'Reset your VPN token');
      expect(others).toEqual([]);
      expect(record).toMatchObject({
        workflow_state: 'published',
        text: '<p>Open <strong>Settings</strong>, then &lt;Reset&gt;.</p>',
        meta: 'vpn, token',
        kb_knowledge_base: KNOWLEDGE_BASE.knowledgeBase,
        kb_category: KNOWLEDGE_BASE.category,
        number: expect.stringMatching(/^KB\d{7}$/),
      });
      expect(await syncOf(article.id)).toMatchObject({ sysId: record!['sys_id'], number: record!['number'], table: 'kb_knowledge', pushedVersion: 1 });

      await writeArticle('PATCH', { body: 'Open Settings, then Reset token.' }, article.id);
      await x.quiesce();
      expect(x.fake.record('kb_knowledge', record!['sys_id']!)).toMatchObject({ workflow_state: 'published', text: '<p>Open Settings, then Reset token.</p>' });

      await writeArticle('PATCH', { state: 'archived' }, article.id);
      await x.quiesce();
      expect(x.fake.record('kb_knowledge', record!['sys_id']!)).toMatchObject({ workflow_state: 'retired', text: '<p>Open Settings, then Reset token.</p>' });
      expect(kbRecords().filter((r) => r['short_description'] === 'Reset your VPN token')).toHaveLength(1);

      // The first version's effect, delivered again after the archive: skipped (not even read there), the record stays retired.
      const calls = kbCalls().length;
      await x.environment.tables.documents.send(
        new TransactWriteCommand({ TransactItems: outboxPuts(x.environment.tables.names.incidents, effectsOf(`${article.id}-late`, 1, [{ kind: 'servicenow-kb-sync', articleId: article.id, version: 1 }]), new Date().toISOString(), 1) }),
      );
      await x.quiesce();
      expect(kbCalls()).toHaveLength(calls);
      expect(x.fake.record('kb_knowledge', record!['sys_id']!)!['workflow_state']).toBe('retired');
    });

    test('failures there (two 503s, then a create whose answer is lost) still make one record', async () => {
      x.fake.failNext(2, 503);
      x.fake.loseNextWriteAnswers(1);
      const article = await writeArticle('POST', { title: 'Printer queue stuck', body: 'Restart the spooler.', tags: ['printing'], state: 'published', audience: 'public' });
      await x.quiesce();
      const records = kbRecords().filter((r) => r['short_description'] === 'Printer queue stuck');
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ workflow_state: 'published', text: '<p>Restart the spooler.</p>' });
      // The lost answer was found by reading the record again, not by a second insert: nothing refused, nothing left failing.
      expect(kbCalls().filter((r) => r.status === 502)).toHaveLength(1);
      expect(kbCalls().filter((r) => r.status === 403)).toEqual([]);
      expect(x.effects.failed).toEqual([]);
      expect(await syncOf(article.id)).toMatchObject({ sysId: records[0]!['sys_id'] });
    });

    test('internal articles never reach it; an article made internal is retired there with its earlier text, its new text never sent', async () => {
      const writes = kbWrites().length;
      await writeArticle('POST', { title: 'Core switch console', body: 'INTERNAL-ONLY: the console is on port 7', tags: ['network'], state: 'published', audience: 'internal' });
      await writeArticle('POST', { title: 'Draft on mail rules', body: 'INTERNAL-DRAFT text', tags: ['email'], state: 'draft', audience: 'client' });
      await x.quiesce();
      expect(kbWrites()).toHaveLength(writes);

      const article = await writeArticle('POST', { title: 'Mailbox full', body: 'Archive old mail.', tags: ['email'], state: 'published', audience: 'client' });
      await x.quiesce();
      await writeArticle('PATCH', { audience: 'internal', body: 'INTERNAL-ONLY: raise the quota on the exchange server' }, article.id);
      await x.quiesce();
      const record = kbRecords().find((r) => r['short_description'] === 'Mailbox full');
      expect(record).toMatchObject({ workflow_state: 'retired', text: '<p>Archive old mail.</p>' });
      expect(JSON.stringify(kbRecords())).not.toMatch(/INTERNAL|console is on port/);
    });
  });

  test('their task_sla clocks are shown beside ours in GET /incidents/{id}/sla and GET /reports/sla, with where they disagree', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const incident = await createHere({ shortDescription: 'Clocks compared' });
    await x.quiesce();
    const slaHere = async () => (await x.api('GET', { path: `/incidents/${incident.id}/sla`, resource: '/incidents/{id}/sla', pathParameters: { id: incident.id }, caller: agent })).body;
    const first = await slaHere();
    expect(first.targets.map((t: any) => t.target)).toEqual(['acknowledge', 'respond', 'resolve']);
    expect(first.client).toMatchObject({
      system: 'servicenow',
      slas: [
        { name: 'Incident response (2 seconds)', target: 'respond', stage: 'in_progress', breached: false },
        { name: 'Incident resolution (8 hours)', target: 'resolve', stage: 'in_progress', breached: false },
      ],
    });
    expect(first.client.disagreements.filter((d: any) => d.what === 'breach')).toEqual([]);
    // Their SLA job runs after the response target passed: breached there, not here.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    x.fake.tickSlas();
    await x.quiesce();
    const second = await slaHere();
    expect(second.client.slas[0]).toMatchObject({ stage: 'in_progress', breached: true });
    expect(second.client.disagreements).toContainEqual({ target: 'respond', sla: 'Incident response (2 seconds)', what: 'breach', ours: 'not breached', theirs: 'breached' });
    // Work starts here: their response clock stops there (their SLA engine stops it on In Progress), still
    // breached; ours runs on (our respond clock stops on the first response, not on the state).
    expect((await patchHere(incident.id, { state: 'In Progress' })).status).toBe(200);
    await x.quiesce();
    const third = await slaHere();
    expect(third.client.slas[0]).toMatchObject({ stage: 'completed', breached: true, endedAt: expect.any(String) });
    expect(third.targets.find((t: any) => t.target === 'respond').state).toBe('running');
    expect(third.client.disagreements.filter((d: any) => d.target === 'respond')).toEqual([
      { target: 'respond', sla: 'Incident response (2 seconds)', what: 'breach', ours: 'not breached', theirs: 'breached' },
      { target: 'respond', sla: 'Incident response (2 seconds)', what: 'stopped', ours: 'running', theirs: 'completed' },
    ]);

    const report = await x.api('GET', { path: '/reports/sla', query: { from, to: new Date(Date.now() + 1000).toISOString() }, caller: callers.auditor });
    expect(report.status).toBe(200);
    const respond = report.body.rows.flatMap((r: any) => r.targets).filter((t: any) => t.target === 'respond' && t.client);
    expect(respond.reduce((n: number, t: any) => n + t.client.breached, 0)).toBeGreaterThanOrEqual(1);
    expect(report.body.clientDisagreements).toContainEqual(expect.objectContaining({ incidentId: incident.id, number: incident.number, target: 'respond', what: 'breach' }));
  });
});
