import { CallCentreWebhook, forbiddenDestination, type CallCentreRefusal } from '../../src/modules/oncall/adapters';
import { choosePaging, pageDue, type PagingDeps } from '../../src/modules/incidents/app/sla-paging';
import type { EscalationPolicy } from '../../src/modules/oncall/domain';
import type { Effect } from '../../src/modules/outbox/domain';
import { effectsOf } from '../../src/modules/outbox/domain';
import { clientSettingsSchema } from '../../src/config/client-settings-schema';
import { anIncident } from '../integration/support-incidents';
import { exampleSettings } from '../integration/support-handler';
import { CallCentreFake } from '../support/call-centre-fake';

const NOW = new Date('2026-11-28T02:00:00.000Z');
const clock = { now: () => NOW };
const SECRET = 'call-centre-key';

describe('what a page to a call centre carries', () => {
  const settings = clientSettingsSchema.parse(exampleSettings());
  const policy = {
    id: 'pol-1',
    name: 'Payments P1',
    services: ['payments'],
    priorities: ['P1'],
    repeat: 0,
    steps: [{ delayMinutes: 15, mode: 'all', targets: [{ kind: 'person', username: 'ana' }, { kind: 'external', webhookUrl: 'https://pager.callcentre.example/hook' }, { kind: 'external', phone: '+442071234567' }] }],
  } as unknown as EscalationPolicy;
  const source = {
    policies: async () => [policy],
    schedule: async () => undefined,
    person: async (username: string) => (username === 'ana' ? { name: 'Ana Lopez', email: 'ana@provider.example' } : undefined),
  };
  const incident = anIncident({ impact: 1, urgency: 1, priority: 'P1', service: 'payments', shortDescription: 'Card payments fail', createdAt: NOW.toISOString() });
  const deps = (callCentreWebhooks: boolean): PagingDeps => ({ paging: source, contacts: settings.contacts, clientId: 'example', service: undefined, callCentreWebhooks });

  async function paged(callCentreWebhooks: boolean) {
    const record = await choosePaging(source, incident, NOW);
    const withPolicy = { ...incident, sla: { ...(incident.sla ?? {}), paging: record } } as typeof incident;
    return (await pageDue(deps(callCentreWebhooks), withPolicy, NOW))!;
  }

  test('a step with a webhook target stores a page-webhook effect naming the incident, the step, who else is paged and how to acknowledge', async () => {
    const outcome = await paged(true);
    const webhooks = outcome.effects.filter((e): e is Extract<Effect, { kind: 'page-webhook' }> => e.kind === 'page-webhook');
    expect(webhooks).toEqual([
      {
        kind: 'page-webhook',
        name: 'r1s1#w1',
        url: 'https://pager.callcentre.example/hook',
        page: {
          incident: { id: incident.id, number: incident.number, priority: 'P1', shortDescription: 'Card payments fail', service: 'payments' },
          policy: { id: 'pol-1', name: 'Payments P1' },
          step: 1,
          round: 1,
          alsoPaged: ['Ana Lopez (ana)', 'call centre +442071234567'],
          acknowledge: { method: 'POST', path: `/incidents/${incident.id}/acknowledge` },
        },
      },
    ]);
    // Stored with the firing's version: its effect id is the event id the call centre sees.
    expect(effectsOf(incident.id, outcome.change.incident.version, outcome.effects).map((e) => e.effectId)).toContain(`${incident.id}#v2#page-webhook#r1s1#w1`);
    expect(outcome.gaps).toBe(0);
  });

  test('without a signing key the webhook target is a paging gap, not a page nobody sends', async () => {
    const outcome = await paged(false);
    expect(outcome.effects.map((e) => e.kind)).toEqual(['notify', 'notify']);
    expect(outcome.gaps).toBe(1);
    const gap = outcome.effects[1] as Extract<Effect, { kind: 'notify' }>;
    expect(gap.notification.message).toContain('call centre https://pager.callcentre.example/hook cannot be called: the client config names no signing key');
  });
});

describe('the SSRF guard', () => {
  test.each([
    ['http://pager.example/hook', 'not https'],
    ['https://127.0.0.1/hook', 'an internal address (127.0.0.1)'],
    ['https://10.1.2.3/hook', 'an internal address (10.1.2.3)'],
    ['https://172.20.0.1/hook', 'an internal address (172.20.0.1)'],
    ['https://192.168.1.1/hook', 'an internal address (192.168.1.1)'],
    ['https://169.254.169.254/latest/meta-data', 'an internal address (169.254.169.254)'],
    ['https://100.64.0.1/', 'an internal address (100.64.0.1)'],
    ['https://0.0.0.0/', 'an internal address (0.0.0.0)'],
    ['https://2130706433/', 'an internal address (127.0.0.1)'],
    ['https://[::1]/hook', 'an internal address (::1)'],
    ['https://[fd00::1]/hook', 'an internal address (fd00::1)'],
    ['https://[fe80::1]/hook', 'an internal address (fe80::1)'],
    ['https://[::ffff:10.0.0.1]/hook', 'an internal address (::ffff:a00:1)'],
    ['https://localhost/hook', 'a loopback host'],
  ])('refuses %s (%s)', (url, reason) => {
    expect(forbiddenDestination(url, [])).toBe(reason);
  });

  test.each(['https://pager.callcentre.example/hook', 'https://8.8.8.8/hook', 'https://172.32.0.1/', 'https://[2001:db8::1]/'])('allows %s', (url) => {
    expect(forbiddenDestination(url, [])).toBeUndefined();
  });

  test('a local fake is reachable over http only where the local allow-list names its host and port', () => {
    expect(forbiddenDestination('http://127.0.0.1:8456/hook', ['127.0.0.1:8456'])).toBeUndefined();
    expect(forbiddenDestination('http://127.0.0.1:8457/hook', ['127.0.0.1:8456'])).toBe('not https');
  });
});

describe('a page sent to a call centre', () => {
  let fake: CallCentreFake;
  let refusals: CallCentreRefusal[];
  let webhook: CallCentreWebhook;
  beforeAll(async () => {
    fake = await CallCentreFake.start({ secret: SECRET, clock: () => NOW });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    refusals = [];
    webhook = new CallCentreWebhook({ signingKey: async () => SECRET, clock, localHosts: [fake.host], onRefused: (r) => refusals.push(r) });
  });
  const page = { incident: { number: 'INC0000042' }, step: 1 };

  test('is signed as the client webhook is, with the event id in its header and body; the receiver verifies it', async () => {
    expect(await webhook.send({ eventId: 'evt-1', url: `${fake.url}/hook`, page })).toBe('accepted');
    const [accepted] = fake.acceptedPages();
    expect(accepted).toEqual({ eventId: 'evt-1', body: { eventId: 'evt-1', kind: 'page', sentAt: NOW.toISOString(), ...page } });
    // A receiver holding another key refuses it (the fake verifies; a wrong key answers 401, which is permanent).
    const forged = new CallCentreWebhook({ signingKey: async () => 'another-key', clock, localHosts: [fake.host], onRefused: (r) => refusals.push(r) });
    expect(await forged.send({ eventId: 'evt-2', url: `${fake.url}/hook`, page })).toBe('refused');
    expect(refusals).toEqual([{ eventId: 'evt-2', url: `${fake.url}/hook`, status: 401, reason: 'answered 401' }]);
  });

  test('5xx, 408 and 429 throw (the outbox retries); a redelivery of an accepted event is recorded once', async () => {
    for (const status of [503, 408, 429]) {
      fake.failNext(1, status);
      await expect(webhook.send({ eventId: 'evt-3', url: `${fake.url}/hook`, page })).rejects.toThrow(`answered ${status}: retried`);
    }
    expect(await webhook.send({ eventId: 'evt-3', url: `${fake.url}/hook`, page })).toBe('accepted');
    expect(await webhook.send({ eventId: 'evt-3', url: `${fake.url}/hook`, page })).toBe('accepted');
    expect(fake.acceptedPages().filter((p) => p.eventId === 'evt-3')).toHaveLength(1);
    expect(fake.requestsFor('evt-3').map((r) => r.status)).toEqual([503, 408, 429, 200, 200]);
    expect(refusals).toEqual([]);
  });

  test('a 4xx or a redirect is refused for good and reported; a forbidden host is refused without a request', async () => {
    fake.failNext(1, 400);
    expect(await webhook.send({ eventId: 'evt-4', url: `${fake.url}/hook`, page })).toBe('refused');
    fake.failNext(1, 302);
    expect(await webhook.send({ eventId: 'evt-5', url: `${fake.url}/hook`, page })).toBe('refused');
    const before = fake.requests.length;
    expect(await webhook.send({ eventId: 'evt-6', url: 'https://169.254.169.254/latest/meta-data', page })).toBe('refused');
    expect(fake.requests.length).toBe(before);
    expect(refusals.map((r) => [r.eventId, r.reason])).toEqual([
      ['evt-4', 'answered 400'],
      ['evt-5', 'answered 302'],
      ['evt-6', 'an internal address (169.254.169.254)'],
    ]);
  });
});
