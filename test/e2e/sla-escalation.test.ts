import { call, RUNTIME_HOOK_TIMEOUT, startRuntimeProcess, type RuntimeProcess } from '../support/local-runtime-process';

/**
 * `npm start` with ITSM_TIME_SCALE=120 (a minute of SLA time per half second): the deployed SLA
 * workflow, run locally from the template, warns, records the breach and escalates a P1 nobody
 * acknowledges, leaves alone a P2 acknowledged in time, and keeps its pending clocks across a
 * restart of the runtime.
 */
const SCALE = '120';
let runtime: RuntimeProcess;
let agent: string;

beforeAll(async () => {
  runtime = await startRuntimeProcess({ env: { ITSM_TIME_SCALE: SCALE } });
  agent = await runtime.token('agent', 'alice');
}, RUNTIME_HOOK_TIMEOUT);
afterAll(async () => {
  await runtime?.stop();
});

const p1 = (shortDescription: string) => ({
  shortDescription,
  description: 'Every customer is affected',
  impact: 1,
  urgency: 1,
  service: 'web-shop',
  category: 'software',
});

interface Notification {
  readonly subject: string;
  readonly attributes: Record<string, string>;
  readonly message: { readonly recipients: { readonly name: string }[] };
}

async function notificationsAbout(url: string, number: string): Promise<Notification[]> {
  const { body } = await call(url, 'GET', '/_local/notifications');
  return (body.items as Notification[]).filter((m) => m.subject.includes(`${number}:`));
}

const describe = (m: Notification) =>
  `${m.attributes['kind']} ${m.attributes['target']}${m.attributes['kind'] === 'sla-escalation' ? ` L${m.attributes['level']} ${m.message.recipients.map((r) => r.name).join()}` : ''}`;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a P1 nobody acknowledges is warned, breached and escalated to contact #2; a P2 acknowledged in time never escalates; pending clocks survive a restart', async () => {
  // One is handled the way the desk should: acknowledged at once, answered, fixed. It is a P2
  // (acknowledge due 30 SLA minutes after logging: 15 s here), so a slow machine cannot make it
  // late. The other, a P1, is ignored.
  const handled = await call(runtime.url, 'POST', '/incidents', { token: agent, body: { ...p1('Refunds fail'), urgency: 2 } });
  // Status and body together, so a refused or timed-out request says why.
  expect({ status: handled.status, priority: handled.body?.priority, problem: handled.status === 201 ? undefined : handled.body }).toEqual({ status: 201, priority: 'P2', problem: undefined });
  const handledPath = `/incidents/${handled.body.id}`;
  const acknowledged = await call(runtime.url, 'POST', `${handledPath}/acknowledge`, { token: agent });
  expect(acknowledged.status).toBe(200);
  const ignored = await call(runtime.url, 'POST', '/incidents', { token: agent, body: p1('Card payments fail') });
  expect([ignored.status, handled.status]).toEqual([201, 201]);
  expect((await call(runtime.url, 'POST', `${handledPath}/comments`, { token: agent, body: { type: 'comment', text: 'Rolling back the release' } })).status).toBe(201);
  // The first reply to the reporter is recorded on the incident (respond achieved): read the new version.
  const current = await call(runtime.url, 'GET', handledPath, { token: agent });
  const working = await call(runtime.url, 'PATCH', handledPath, { token: agent, body: { state: 'In Progress' }, headers: { 'If-Match': current.headers.get('etag')! } });
  expect(working.status).toBe(200);
  const fixed = await call(runtime.url, 'PATCH', handledPath, {
    token: agent,
    body: { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Release rolled back' },
    headers: { 'If-Match': working.headers.get('etag')! },
  });
  expect(fixed.status).toBe(200);

  // Acknowledge breaches 15 SLA minutes after logging (7.5 s here); contact #2 is called 30 minutes later (15 s).
  const sent = await waitFor('escalation to contact #2', async () => {
    const messages = await notificationsAbout(runtime.url, ignored.body.number);
    return messages.some((m) => m.attributes['kind'] === 'sla-escalation' && m.attributes['level'] === '2') ? messages : undefined;
  });
  expect(sent.map(describe).slice(0, 3)).toEqual(['sla-warning acknowledge', 'sla-breach acknowledge', 'sla-escalation acknowledge L1 Priya Shah']);
  expect(sent.map(describe)).toContain('sla-escalation acknowledge L2 Tom Evans');
  expect(sent.map(describe).indexOf('sla-escalation acknowledge L2 Tom Evans')).toBeGreaterThan(sent.map(describe).indexOf('sla-escalation acknowledge L1 Priya Shah'));

  const clocks = await call(runtime.url, 'GET', `/incidents/${ignored.body.id}/sla`, { token: agent });
  expect(clocks.status).toBe(200);
  expect(clocks.body.targets.find((t: { target: string }) => t.target === 'acknowledge')).toMatchObject({ state: 'breached', calendar: '24x7', targetMs: 900_000 });
  const handledClocks = await call(runtime.url, 'GET', `/incidents/${handled.body.id}/sla`, { token: agent });
  expect(handledClocks.body.targets.map((t: { state: string }) => t.state)).toEqual(['achieved', 'achieved', 'achieved']);
  expect(await notificationsAbout(runtime.url, handled.body.number)).toEqual([]);

  // Restart: the execution still watching the ignored P1 resumes, and contact #3 is called next.
  const { localDir } = runtime;
  expect(await runtime.stop()).toBe(0);
  runtime = await startRuntimeProcess({ localDir, env: { ITSM_TIME_SCALE: SCALE } });
  const later = await waitFor('escalation to contact #3 after the restart', async () => {
    const messages = await notificationsAbout(runtime.url, ignored.body.number);
    return messages.some((m) => m.attributes['kind'] === 'sla-escalation' && m.attributes['level'] === '3') ? messages : undefined;
  });
  expect(later.map(describe)).toContain('sla-escalation acknowledge L3 Mary Clarke');
  // Nothing was sent twice by the resumed execution.
  const keys = later.map(describe);
  expect(keys.filter((k) => k === 'sla-escalation acknowledge L2 Tom Evans')).toHaveLength(1);
  expect(await notificationsAbout(runtime.url, handled.body.number)).toEqual([]);
}, 600_000); // two boots, each maybe after another runtime's (boot lock), and real-time waits
