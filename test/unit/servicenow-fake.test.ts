import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceNowFake } from '../support/servicenow-fake';

/** The ServiceNow fake speaks the Table API as documented: what the integration tests rely on. */
describe('ServiceNow Table API fake', () => {
  let fake: ServiceNowFake;
  let hook: Server;
  const calls: { body: string; signature: string }[] = [];
  const auth = { Authorization: `Basic ${Buffer.from('rowe.integration:secret').toString('base64')}`, 'Content-Type': 'application/json' };
  const api = (path: string, init: RequestInit = {}) => fetch(`${fake.url}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls.push({ body, signature: String(req.headers['x-rowe-itsm-signature']) });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    fake = await ServiceNowFake.start({ webhook: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`, secret: 'k' } });
  });
  afterAll(async () => {
    await fake.stop();
    await new Promise((resolve) => hook.close(resolve));
  });

  it('creates, numbers, counts modifications and journals comments apart from the record', async () => {
    const created = await api('/api/now/table/incident', { method: 'POST', body: JSON.stringify({ short_description: 'Mail down', comments: 'first', assignment_group: 'a'.repeat(32) }) });
    expect(created.status).toBe(201);
    const record = ((await created.json()) as { result: Record<string, any> }).result;
    expect(record).toMatchObject({ number: 'INC0010001', sys_mod_count: '0', state: '1', short_description: 'Mail down' });
    expect(record['sys_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(record['sys_updated_on']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(record['comments'] ?? '').toBe('');
    expect(record['assignment_group']).toEqual({ link: expect.stringContaining('/api/now/table/'), value: 'a'.repeat(32) });

    const patched = await api(`/api/now/table/incident/${record['sys_id']}?sysparm_exclude_reference_link=true&sysparm_fields=sys_mod_count,assignment_group`, {
      method: 'PATCH',
      body: JSON.stringify({ work_notes: 'internal', urgency: 2 }),
    });
    expect(((await patched.json()) as any).result).toEqual({ sys_mod_count: '1', assignment_group: 'a'.repeat(32) });
    expect(fake.record('incident', record['sys_id'])!['urgency']).toBe('2');
    const rows = await api(`/api/now/table/sys_journal_field?sysparm_query=element_id=${record['sys_id']}^ORDERBYsys_created_on&sysparm_fields=element,value,sys_created_by`);
    expect(((await rows.json()) as any).result).toEqual([
      { element: 'comments', value: 'first', sys_created_by: 'rowe.integration' },
      { element: 'work_notes', value: 'internal', sys_created_by: 'rowe.integration' },
    ]);

    await fake.settled();
    // The rule fires on incident (and on the task_sla records their SLA engine attached to it).
    expect(calls.map((c) => JSON.parse(c.body)).filter((c) => c.table === 'incident')).toEqual([
      { table: 'incident', sys_id: record['sys_id'], sys_mod_count: '0' },
      { table: 'incident', sys_id: record['sys_id'], sys_mod_count: '1' },
    ]);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(calls[0]!.signature)!;
    expect(createHmac('sha256', 'k').update(`${t}.${calls[0]!.body}`).digest('hex')).toBe(v1);
  });

  it('queries with =, >=, ORDERBYDESC, limit and offset', async () => {
    fake.insert('incident', { short_description: 'b', correlation_id: 'x' });
    fake.insert('incident', { short_description: 'c', correlation_id: 'x' });
    const page = await api('/api/now/table/incident?sysparm_query=correlation_id=x^sys_updated_on>=2000-01-01 00:00:00^ORDERBYDESCnumber&sysparm_fields=short_description&sysparm_limit=1&sysparm_offset=1');
    expect(((await page.json()) as any).result).toEqual([{ short_description: 'b' }]);
  });

  it('refuses resolving without close code and notes (data policy), and bad credentials', async () => {
    const { sys_id } = fake.insert('incident', { short_description: 'd' });
    const refused = await api(`/api/now/table/incident/${sys_id}`, { method: 'PATCH', body: JSON.stringify({ state: '6' }) });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: { message: 'Operation Failed', detail: expect.stringContaining('close_code') }, status: 'failure' });
    expect(fake.record('incident', sys_id!)!['state']).toBe('1');
    const anonymous = await fetch(`${fake.url}/api/now/table/incident`);
    expect(anonymous.status).toBe(401);
  });

  it('answers injected 429s with Retry-After and X-RateLimit-*, then serves again', async () => {
    fake.failNext(1, 429, 2);
    const limited = await api('/api/now/table/incident?sysparm_limit=1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    fake.failNext(1, 503);
    expect((await api('/api/now/table/incident?sysparm_limit=1')).status).toBe(503);
    expect((await api('/api/now/table/incident?sysparm_limit=1')).status).toBe(200);
  });

  it('runs the SLA engine: a task_sla per definition, stopped, paused and resumed by the incident state', () => {
    const incident = fake.insert('incident', { short_description: 'Clocks' });
    const clocks = () => fake.records('task_sla').filter((r) => r['task'] === incident['sys_id']);
    expect(clocks().map((r) => r['stage'])).toEqual(['in_progress', 'in_progress']);
    const [response, resolution] = clocks();
    expect(fake.record('contract_sla', response!['sla']!)).toMatchObject({ target: 'response', duration: '1970-01-01 01:00:00' });
    expect(fake.record('contract_sla', resolution!['sla']!)).toMatchObject({ target: 'resolution', duration: '1970-01-01 08:00:00' });
    fake.update('incident', incident['sys_id']!, { state: '3', hold_reason: '1' });
    expect(clocks().map((r) => r['stage'])).toEqual(['completed', 'paused']);
    fake.update('incident', incident['sys_id']!, { state: '2' });
    expect(clocks().map((r) => r['stage'])).toEqual(['completed', 'in_progress']);
    fake.update('incident', incident['sys_id']!, { state: '6', close_code: 'Solved (Permanently)', close_notes: 'done' });
    expect(clocks().map((r) => [r['stage'], r['has_breached']])).toEqual([['completed', 'false'], ['completed', 'false']]);
  });

  it('runs the approval engine: requested approval asks each approver; one rejection rejects, the rest no longer required', () => {
    const change = fake.insert('change_request', { short_description: 'Patch', approval: 'requested' });
    expect(change).toMatchObject({ number: expect.stringMatching(/^CHG/), state: '-5' });
    const rows = fake.approvalsOf(change['sys_id']!);
    expect(rows.map((r) => [r['state'], r['approver']])).toEqual([['requested', fake.userOf('carol.client')['sys_id']]]);
    fake.update('sysapproval_approver', rows[0]!['sys_id']!, { state: 'rejected' }, 'carol.client');
    expect(fake.record('change_request', change['sys_id']!)).toMatchObject({ approval: 'rejected', sys_updated_by: 'system' });
    expect(fake.approvalsOf(change['sys_id']!)[0]).toMatchObject({ state: 'rejected', sys_updated_by: 'carol.client' });
  });
});
