import { randomUUID } from 'node:crypto';
import { chromium as playwright } from 'playwright-core';
import { call, effectsDelivered, RUNTIME_HOOK_TIMEOUT, startRuntimeProcess, type RuntimeProcess } from '../support/local-runtime-process';
import { sparticuzChromium } from '../support/headless-chromium';

/**
 * `npm start` with ITSM_TIME_SCALE=120 (a minute of SLA time per half second): the deployed SLA
 * workflow, run locally from the template, warns, records the breach and escalates a P1 nobody
 * acknowledges, leaves alone a P2 acknowledged in time, and keeps its pending clocks, the data and
 * the number counter across a restart of the runtime (Ctrl-C, then `npm start` again). On the same runtime, a major incident from declaration to its report
 * (JSON, Markdown, and HTML in a real headless Chromium) and its post-incident review.
 */
const SCALE = '120';
let runtime: RuntimeProcess;
let agent: string;

beforeAll(async () => {
  runtime = await startRuntimeProcess({ env: { ITSM_TIME_SCALE: SCALE } });
  agent = await runtime.token('agent', 'alice');
}, RUNTIME_HOOK_TIMEOUT);

test('the start says what it does and how to call the API', async () => {
  expect(runtime.output()).toMatch(/Starting DynamoDB Local/);
  expect(runtime.output()).toMatch(/Tables ready/);
  // The example follows the "Listening" line; it may arrive in a later chunk of output.
  await waitFor('the curl example', async () => (/curl -s -X POST/.test(runtime.output()) ? true : undefined), 5_000);
});
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

  // Restart (Ctrl-C, then `npm start` on the same data folder): the execution still watching the
  // ignored P1 resumes, and contact #3 is called next; the data and the number counter are kept.
  const lastBefore = await call(runtime.url, 'POST', '/incidents', { token: agent, body: { ...p1('Logged before the restart'), impact: 3, urgency: 3 } });
  expect(lastBefore.status).toBe(201);
  const { localDir } = runtime;
  const stopped = runtime;
  expect(await stopped.stop()).toBe(0);
  expect(stopped.output()).toMatch(/Stopped\. Data kept/);
  runtime = await startRuntimeProcess({ localDir, env: { ITSM_TIME_SCALE: SCALE } });
  const kept = await call(runtime.url, 'GET', `/incidents/${lastBefore.body.id}`, { token: await runtime.token('agent', 'alice') });
  expect({ status: kept.status, number: kept.body.number }).toEqual({ status: 200, number: lastBefore.body.number });
  const firstAfter = await call(runtime.url, 'POST', '/incidents', { token: agent, body: { ...p1('Logged after the restart'), impact: 3, urgency: 3 } });
  expect(Number(firstAfter.body.number.slice(3))).toBe(Number(lastBefore.body.number.slice(3)) + 1);
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

test('a major incident: declared, DR invoked and recovered, the client told, resolved, reviewed; its report reads as JSON, Markdown and HTML (the client version in a real browser, printed to PDF, without internal text); an overdue review action escalates to the service owner', async () => {
  const marker = randomUUID().slice(0, 8);
  // Internal text the client version must not hold.
  const internal = { workNote: `WORKNOTE${marker}`, escalation: `ESCALATIONREASON${marker}`, drReason: `DRREASON${marker}`, majorReason: `MAJORREASON${marker}` };
  const { majorReason } = internal;
  const admin = await runtime.token('admin', 'e2e-mim-admin');
  const owner = await runtime.token('service-owner', `mim-owner-${marker}`);
  const desk = await runtime.token('agent', 'alice');
  const requester = await runtime.token('requester', `mim-reporter-${marker}`);
  const serviceId = `mim-${marker}`;
  // A service with its own DR plan and objectives, owned by the owner who declares and invokes.
  const service = await call(runtime.url, 'POST', '/services', {
    token: admin,
    body: {
      id: serviceId, name: `MIM ${marker}`, description: 'Major incident e2e service', status: 'live', commencementDate: '2026-01-01',
      owner: { username: `mim-owner-${marker}`, name: 'Mim Owner', email: 'mim-owner@example.com' }, sla: { reference: 'MSA-2026 schedule 2' },
      disasterRecoveryPlan: `DRP-${marker} (failover to the second region)`, recoveryObjectives: { rto: 'PT4H', rpo: 'PT15M' },
    },
  });
  expect(service.status).toBe(201);
  const logged = await call(runtime.url, 'POST', '/incidents', {
    token: requester,
    body: { shortDescription: 'Checkout is down', description: 'Nobody can pay', impact: 1, urgency: 1, usersAffected: 1200, service: serviceId, category: 'software' },
  });
  expect(logged.status).toBe(201);
  const path = `/incidents/${logged.body.id}`;
  const etag = async () => (await call(runtime.url, 'GET', path, { token: desk })).headers.get('etag')!;
  const patch = async (token: string, body: unknown) => call(runtime.url, 'PATCH', path, { token, body, headers: { 'If-Match': await etag() } });
  expect((await patch(desk, { outage: {}, state: 'In Progress' })).status).toBe(200);

  const escalated = await call(runtime.url, 'POST', `${path}/escalate`, { token: desk, body: { to: 'service-owner', reason: internal.escalation }, headers: { 'If-Match': await etag() } });
  expect(escalated.status).toBe(200);
  const declared = await patch(owner, { major: true, majorReason });
  expect({ status: declared.status, dr: declared.body.disasterRecovery }).toMatchObject({ status: 200, dr: { plan: `DRP-${marker} (failover to the second region)`, source: 'service', objectives: { rto: 'PT4H', rpo: 'PT15M' } } });
  // An agent may not invoke the plan; the service's owner may.
  const refused = await call(runtime.url, 'POST', `${path}/disaster-recovery`, { token: desk, body: { action: 'invoke', reason: 'x' }, headers: { 'If-Match': await etag() } });
  expect(refused.status).toBe(403);
  const invoked = await call(runtime.url, 'POST', `${path}/disaster-recovery`, { token: owner, body: { action: 'invoke', reason: internal.drReason }, headers: { 'If-Match': await etag() } });
  expect({ status: invoked.status, invoked: invoked.body.disasterRecovery?.decision?.invoked }).toEqual({ status: 200, invoked: true });
  const beforeEntries = await etag();
  expect((await call(runtime.url, 'POST', `${path}/comments`, { token: desk, body: { type: 'work-note', text: internal.workNote } })).status).toBe(201);
  const update = await call(runtime.url, 'POST', `${path}/communications`, { token: desk, body: { subject: 'Failover under way', message: 'Checkout is failing over to the second region; next update in 30 minutes.' } });
  expect(update.status).toBe(201);
  expect(update.body).toMatchObject({ type: 'communication', visibility: 'public', subject: 'UPDATE: MAJOR INCIDENT ' + logged.body.number + ': Failover under way' });
  // A work note and a communication are appended to the timeline: neither moves the incident's version (ETag).
  expect(await etag()).toBe(beforeEntries);
  const resolved = await patch(desk, { state: 'Resolved', resolutionCode: 'Solved (workaround)', resolutionNotes: 'Failed over to the second region' });
  expect(resolved.status).toBe(200);
  const dataRestoredTo = new Date(Date.parse(logged.body.detectedAt) - 10 * 60_000).toISOString();
  const recovered = await call(runtime.url, 'POST', `${path}/disaster-recovery`, {
    token: desk, body: { action: 'recovered', restoredAt: resolved.body.resolvedAt, dataRestoredTo }, headers: { 'If-Match': await etag() },
  });
  expect(recovered.status).toBe(200);

  // The review: a finding, one action already overdue (due at detection), one linked to an improvement item later.
  const reviewed = await call(runtime.url, 'PUT', `${path}/review`, {
    token: desk,
    headers: { 'If-Match': await etag() },
    body: {
      summary: 'Failover worked; detection was slow',
      findings: ['The health check did not cover the payment provider'],
      actions: [{ description: 'Add the payment provider to the health check', owner: `mim-action-${marker}`, due: logged.body.detectedAt, link: { kind: 'problem', id: 'PRB0000001' } }],
      complete: true,
    },
  });
  expect({ status: reviewed.status, review: reviewed.body.review?.status, action: reviewed.body.review?.actions?.[0]?.id }).toEqual({ status: 200, review: 'completed', action: 'A1' });
  await effectsDelivered(runtime.url);

  // Communications went to the service's contacts: the declaration, the update, the resolution.
  const { body: sentBox } = await call(runtime.url, 'GET', '/_local/notifications');
  const sent = (sentBox.items as { subject: string; attributes: Record<string, string>; message: { recipients: { name: string }[] } }[]).filter((m) => m.subject.includes(logged.body.number));
  expect(sent.filter((m) => m.attributes['level'] === 'major').map((m) => m.subject.split(' ')[0])).toEqual(['MAJOR', 'UPDATE:', 'RESOLVED:']);

  // The overdue action escalates to the service's owner when the scheduled job runs, once; the action's owner, in the people directory, is told too.
  const person = await call(runtime.url, 'POST', '/people', { token: admin, body: { username: `mim-action-${marker}`, name: 'Ada Action', email: `ada-${marker}@provider.example` } });
  expect(person.status).toBe(201);
  const schedules = (await call(runtime.url, 'GET', '/_local/schedules')).body.items as { logicalId: string }[];
  const job = schedules.find((s) => s.logicalId.startsWith('AutoCloseSchedule'))!;
  for (const _ of [1, 2]) expect((await call(runtime.url, 'POST', `/_local/schedules/${job.logicalId}/run`)).status).toBe(200);
  await effectsDelivered(runtime.url);
  const overdue = ((await call(runtime.url, 'GET', '/_local/notifications')).body.items as typeof sent).filter((m) => m.subject.includes(`${logged.body.number} post-incident review`));
  expect(overdue.map((m) => m.message.recipients.map((r) => r.name))).toEqual([['Mim Owner', 'Ada Action']]);

  // The desk's report, as JSON.
  const report = await call(runtime.url, 'GET', `${path}/report`, { token: desk });
  expect(report.status).toBe(200);
  expect(report.body).toMatchObject({
    audience: 'desk',
    summary: { number: logged.body.number, major: true, majorReason, state: 'Resolved' },
    impact: { services: [serviceId], usersAffected: 1200, outage: { start: logged.body.detectedAt, end: resolved.body.resolvedAt, ongoing: false } },
    disasterRecovery: { plan: `DRP-${marker} (failover to the second region)`, source: 'service', invoked: true, reason: internal.drReason, rpo: { target: 'PT15M', achievedMinutes: 10, met: true } },
    review: { status: 'completed' },
  });
  const { impact, disasterRecovery, timeline, communications, actions } = report.body;
  expect(impact.userOutageMinutes).toBe(impact.outageMinutes * 1200);
  expect(impact.sla.map((t: { target: string }) => t.target)).toEqual(['acknowledge', 'respond', 'resolve']);
  expect(disasterRecovery.rto).toMatchObject({ target: 'PT4H', achievedMinutes: impact.outageMinutes, met: impact.outageMinutes <= 240 });
  expect(communications.map((c: { kind: string }) => c.kind)).toEqual(['declared', 'update', 'resolved']);
  expect(timeline.map((t: { type: string }) => t.type)).toEqual(expect.arrayContaining(['created', 'outage-start', 'escalation', 'major-incident', 'disaster-recovery', 'work-note', 'communication', 'outage-end', 'review']));
  expect(actions).toEqual([expect.objectContaining({ id: 'A1', owner: `mim-action-${marker}`, status: 'open', overdue: true, link: { kind: 'problem', id: 'PRB0000001' } })]);

  // Markdown: the same report.
  const markdown = await call(runtime.url, 'GET', `${path}/report`, { token: desk, headers: { Accept: 'text/markdown' } });
  expect(markdown.headers.get('content-type')).toMatch(/^text\/markdown/);
  expect(markdown.text).toContain(`# Incident report ${logged.body.number}`);
  expect(markdown.text).toContain(internal.workNote);
  expect(markdown.text).toMatch(/\| RPO \| PT15M \(15 min\) · achieved 10 min · met \|/);

  // The client version (what the reporter gets): no work notes, no internal reasons.
  const clientJson = await call(runtime.url, 'GET', `${path}/report`, { token: requester });
  expect(clientJson.body.audience).toBe('client');
  // Only the desk's update: the declaration and resolution notices name internal fields.
  expect(clientJson.body.communications.map((c: { kind: string }) => c.kind)).toEqual(['update']);
  expect(clientJson.body.summary.majorReason).toBeUndefined();
  expect(clientJson.body.disasterRecovery).toMatchObject({ source: 'service', invoked: true, rto: { target: 'PT4H' } });
  expect(clientJson.body.disasterRecovery.plan).toBeUndefined();
  for (const text of Object.values(internal)) expect(clientJson.text).not.toContain(text);
  const html = await call(runtime.url, 'GET', `${path}/report?audience=client`, { token: desk, headers: { Accept: 'text/html' } });
  expect(html.headers.get('content-type')).toMatch(/^text\/html/);

  // In a real headless Chromium: the page the API serves renders, prints to PDF, and holds no internal text.
  const { path: executablePath, args } = sparticuzChromium();
  const browser = await playwright.launch({ executablePath, args, headless: true });
  try {
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders({ Authorization: `Bearer ${desk}`, Accept: 'text/html' });
    const answer = await page.goto(`${runtime.url}${path}/report?audience=client`);
    expect(answer?.status()).toBe(200);
    expect(await page.title()).toBe(`Incident report ${logged.body.number} (client version)`);
    const headings = await page.locator('h2').allTextContents();
    expect(headings).toEqual(['Summary', 'Impact', 'Timeline', 'Root cause', 'Disaster recovery', 'Communications', 'Post-incident review', 'Actions']);
    const shown = await page.locator('body').innerText();
    expect(shown).toContain('Failover under way');
    for (const text of Object.values(internal)) expect(shown).not.toContain(text);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(5_000);
  } finally {
    await browser.close();
  }

  // The service report counts the major incident and its completed review.
  const day = new Date(Date.parse(resolved.body.resolvedAt));
  const from = new Date(day.getTime() - 86_400_000).toISOString();
  const to = new Date(day.getTime() + 86_400_000).toISOString();
  const serviceReport = await call(runtime.url, 'GET', `/reports/service?service=${serviceId}&from=${from}&to=${to}`, { token: desk });
  expect({ status: serviceReport.status, majorIncidents: serviceReport.body.majorIncidents }).toEqual({ status: 200, majorIncidents: expect.anything() });
  expect(serviceReport.body.majorIncidents).toEqual({ declared: 1, reviewsCompleted: 1, reviewsPending: 0, reviewActionsOpen: 1 });
}, 300_000);
