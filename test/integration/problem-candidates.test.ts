import { randomUUID } from 'node:crypto';
import { DynamoDbAuditTrail } from '../../src/kernel/adapters/dynamodb-audit-trail';
import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { DynamoDbProblemRepository } from '../../src/modules/problems/adapters/dynamodb-problem-repository';
import { createProblem, linkIncident, problemCandidates, type ProblemDeps } from '../../src/modules/problems/app/problem-use-cases';
import type { Caller } from '../../src/kernel/domain/access-policy';
import { InvalidInputError, ForbiddenError } from '../../src/kernel/domain/domain-errors';
import type { Incident } from '../../src/modules/incidents/domain/incident';
import { createTestTables, type TestTables } from '../support/test-tables';
import { aChange, anIncident } from './support-incidents';

/**
 * Problem candidates over DynamoDB Local: a seeded incident history read through byCreated, with a
 * clock the test sets, links read through byIncident.
 */

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 30, 12, 0, 0);
const engineer: Caller = { id: 'e-1', name: 'erin.engineer', roles: ['engineer'] };
const requester: Caller = { id: 'r-1', name: 'rita.requester', roles: ['requester'] };
const DEFAULTS = { candidateWindow: 'P30D', candidateThreshold: 3 };
const ALARM = 'arn:aws:cloudwatch:eu-west-2:111111111111:alarm:erp-latency';

let tables: TestTables;
let deps: ProblemDeps;
let incidents: DynamoDbIncidentRepository;

beforeAll(async () => {
  tables = await createTestTables();
  incidents = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
  deps = {
    problems: new DynamoDbProblemRepository(tables.documents, tables.names.problems),
    incidents,
    clock: { now: () => new Date(NOW) },
    ids: { newId: () => randomUUID() },
    audit: new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } }),
  };
});
afterAll(() => tables?.destroy());

async function seed(daysAgo: number, overrides: Partial<Incident>): Promise<Incident> {
  const incident = anIncident({ createdAt: new Date(NOW - daysAgo * DAY).toISOString(), ...overrides });
  await incidents.create(aChange(incident));
  return incident;
}

test('trends within the window at or above the threshold, without linked incidents; duplicates flagged; older incidents ignored; bounds and access', async () => {
  // vpn: 4 in the window (one linked to a problem) → 3 unlinked: a candidate at 3, not at 4.
  const vpn = [
    await seed(1, { service: 'vpn', category: 'network', shortDescription: 'VPN tunnel drops after laptop sleep' }),
    await seed(3, { service: 'vpn', category: 'network', shortDescription: 'VPN tunnel drops after sleep' }),
    await seed(5, { service: 'vpn', category: 'access', shortDescription: 'Cannot log in to VPN portal' }),
    await seed(7, { service: 'vpn', category: 'access', shortDescription: 'Token rejected by VPN gateway' }),
  ];
  // erp: two in the window and three older than 30 days: no service trend; the alarm has 3 in the window.
  await seed(2, { service: 'erp', category: 'performance', shortDescription: 'ERP slow', alarmArn: ALARM });
  await seed(4, { service: 'email', category: 'performance', shortDescription: 'Latency alarm', alarmArn: ALARM });
  await seed(6, { service: 'erp', category: 'performance', shortDescription: 'ERP latency high', alarmArn: ALARM });
  for (const days of [40, 45, 50]) await seed(days, { service: 'printing', category: 'hardware', shortDescription: 'Printer jammed' });

  const problem = await createProblem(deps, engineer, { title: 'Token failures', description: 'VPN tokens rejected', impact: 'Remote staff locked out', priority: 'P3' });
  await linkIncident(deps, engineer, problem.id, vpn[3]!.id);

  const found = await problemCandidates(deps, engineer, {}, DEFAULTS);
  expect(found.window).toEqual({ from: new Date(NOW - 30 * DAY).toISOString(), to: new Date(NOW).toISOString(), duration: 'P30D' });
  expect(found.incidentsRead).toBe(7);
  expect(found.candidates.map((c) => [c.dimension, c.value, c.count])).toEqual([
    ['category', 'performance', 3],
    ['service', 'vpn', 3],
    ['alarm', ALARM, 3],
  ].sort((a, b) => ['service', 'category', 'alarm'].indexOf(a[0] as string) - ['service', 'category', 'alarm'].indexOf(b[0] as string)));
  expect(found.candidates.find((c) => c.value === 'vpn')!.incidents.map((i) => i.id).sort()).toEqual(vpn.slice(0, 3).map((i) => i.id).sort());
  expect(found.duplicates).toEqual([{ incidents: [{ id: vpn[1]!.id, number: vpn[1]!.number }, { id: vpn[0]!.id, number: vpn[0]!.number }], similarity: 0.8 }]);

  // A higher threshold, a longer window.
  expect((await problemCandidates(deps, engineer, { threshold: 4 }, DEFAULTS)).candidates).toEqual([]);
  const longer = await problemCandidates(deps, engineer, { window: 'P60D' }, DEFAULTS);
  expect(longer.incidentsRead).toBe(10);
  expect(longer.candidates.map((c) => c.value)).toContain('printing');

  await expect(problemCandidates(deps, requester, {}, DEFAULTS)).rejects.toBeInstanceOf(ForbiddenError);
  await expect(problemCandidates(deps, engineer, { window: 'PT0S' }, DEFAULTS)).rejects.toBeInstanceOf(InvalidInputError);
});

test('a window holding more than 5,000 incidents is refused with 400 naming window, before any link is read', async () => {
  const many: Incident[] = Array.from({ length: 5001 }, (_, i) => anIncident({ createdAt: new Date(NOW - 1000 - i).toISOString() }));
  const bounded: ProblemDeps = {
    ...deps,
    incidents: {
      ...incidents,
      get: (id) => incidents.get(id),
      getByNumber: (n) => incidents.getByNumber(n),
      // The repository's pages, as a stub: 5,001 incidents are too slow to seed into DynamoDB Local.
      createdBetween: async (_from, _to, page) => {
        const start = Number(page.nextToken ?? 0);
        const items = many.slice(start, start + page.limit);
        return { items, ...(start + page.limit < many.length && { nextToken: String(start + page.limit) }) };
      },
    },
  };
  const refused = problemCandidates(bounded, engineer, { window: 'P1D' }, DEFAULTS);
  await expect(refused).rejects.toBeInstanceOf(InvalidInputError);
  await expect(refused).rejects.toMatchObject({ issues: [{ field: 'window', message: expect.stringContaining('5000') }] });
});
