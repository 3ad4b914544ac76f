import { call, RUNTIME_HOOK_TIMEOUT, sharedRuntime, type RuntimeProcess } from '../support/local-runtime-process';

/**
 * On call through the local runtime as `npm start` serves it (the template's route, function and
 * table): a schedule created over HTTP answers who is on call, and its calendar is text/calendar.
 * The run's shared runtime: this file reads only the schedule it creates.
 */
let runtime: RuntimeProcess;
let agent: string;

beforeAll(async () => {
  runtime = await sharedRuntime();
  agent = await runtime.token('agent', 'e2e-oncall');
}, RUNTIME_HOOK_TIMEOUT);

test('create a schedule, ask who is on call, read a calendar', async () => {
  const created = await call(runtime.url, 'POST', '/schedules', {
    token: agent,
    body: { name: 'E2E rota', timeZone: 'America/New_York', layers: [{ name: 'daily', start: '2026-03-07T14:00:00Z', turn: 'P1D', participants: ['ana', 'ben'] }] },
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  // 8 March: New York springs forward, and the 09:00 hand-off is at 13:00 UTC from then on.
  const at = async (instant: string) => (await call(runtime.url, 'GET', `/schedules/${id}/oncall?at=${instant}`, { token: agent })).body;
  expect(await at('2026-03-08T12:59:00Z')).toEqual({ scheduleId: id, at: '2026-03-08T12:59:00.000Z', oncall: ['ana'] });
  expect((await at('2026-03-08T13:00:00Z')).oncall).toEqual(['ben']);

  const calendar = await call(runtime.url, 'GET', `/schedules/${id}/people/ana/calendar.ics`, { token: agent });
  expect(calendar.status).toBe(200);
  expect(calendar.headers.get('content-type')).toContain('text/calendar');
  expect(calendar.text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
  expect(calendar.text).toContain('BEGIN:VEVENT\r\n');
});
