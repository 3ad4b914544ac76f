import { DEFAULT_FINDING_PRIORITIES, guardDutyFindingToArchive, guardDutySeverity, inspectorSeverity, isHigherPriority, type InspectorSeverity } from '../../src/modules/monitoring/domain/finding-policy';
import { fromGuardDuty, fromInspector } from '../../src/modules/monitoring/app/ingest-finding';
import {
  GUARDDUTY_FINDING_PATTERN,
  guardDutyFindingEventSchema,
  INSPECTOR2_FINDING_PATTERN,
  inspector2FindingEventSchema,
} from '../../src/modules/monitoring/schemas/event-rules';
import { clientSettingsSchema } from '../../src/config/client-settings-schema';
import { matchesPattern } from '../../local/eventbridge-pattern';
import guardDuty from '../fixtures/eventbridge/guardduty-finding.json';
import inspector from '../fixtures/eventbridge/inspector2-finding.json';

describe('GuardDuty severity', () => {
  test.each([
    [0, 'low'],
    [3.9, 'low'],
    [4, 'medium'],
    [6.9, 'medium'],
    [7, 'high'],
    [8.9, 'high'],
    [9, 'critical'],
    [10, 'critical'],
  ] as const)('%s → %s', (severity, expected) => {
    expect(guardDutySeverity(severity)).toBe(expected);
  });
  test('default priorities: critical P1, high P2, medium P3, low P4', () => {
    expect(DEFAULT_FINDING_PRIORITIES).toEqual({ critical: 'P1', high: 'P2', medium: 'P3', low: 'P4' });
  });
});

describe('Inspector severity', () => {
  test.each([
    ['CRITICAL', 'critical'],
    ['HIGH', 'high'],
    ['MEDIUM', 'medium'],
    ['LOW', 'low'],
    ['INFORMATIONAL', undefined],
    ['UNTRIAGED', undefined],
  ] as const)('%s → %s', (severity, expected) => {
    expect(inspectorSeverity(severity as InspectorSeverity)).toBe(expected);
  });
});

test('priorities are raised, never lowered: P1 outranks P2', () => {
  expect(isHigherPriority('P1', 'P2')).toBe(true);
  expect(isHigherPriority('P2', 'P2')).toBe(false);
  expect(isHigherPriority('P3', 'P2')).toBe(false);
});

describe('findingPriorities in the client settings', () => {
  const base = {
    id: 'example',
    timeZone: 'Europe/London',
    contacts: {
      nominated: [{ name: 'A', email: 'a@example.com' }],
      serviceOwner: { name: 'B', email: 'b@example.com' },
      providerNamed: { name: 'C', email: 'c@example.com' },
      providerBackup: { name: 'D', email: 'd@example.com' },
    },
  };
  test('default, and a partial monitoring block still gets them', () => {
    expect(clientSettingsSchema.parse(base).monitoring.findingPriorities).toEqual(DEFAULT_FINDING_PRIORITIES);
    expect(clientSettingsSchema.parse({ ...base, monitoring: { autoResolveOnOk: true } }).monitoring.findingPriorities).toEqual(DEFAULT_FINDING_PRIORITIES);
  });
  test('validated', () => {
    const custom = { critical: 'P1', high: 'P1', medium: 'P2', low: 'P5' };
    expect(clientSettingsSchema.parse({ ...base, monitoring: { findingPriorities: custom } }).monitoring.findingPriorities).toEqual(custom);
    expect(clientSettingsSchema.safeParse({ ...base, monitoring: { findingPriorities: { ...custom, low: 'P9' } } }).success).toBe(false);
    expect(clientSettingsSchema.safeParse({ ...base, monitoring: { findingPriorities: { critical: 'P1' } } }).success).toBe(false);
  });
});

describe('the finding events', () => {
  test('the GuardDuty sample parses and matches its rule pattern only', () => {
    const finding = fromGuardDuty(guardDutyFindingEventSchema.parse(guardDuty));
    expect(finding).toMatchObject({ findingId: guardDuty.detail.id, severity: 'high', status: 'active', count: 1, product: 'GuardDuty' });
    expect(matchesPattern(GUARDDUTY_FINDING_PATTERN, guardDuty)).toBe(true);
    expect(matchesPattern(INSPECTOR2_FINDING_PATTERN, guardDuty)).toBe(false);
  });
  test('the Inspector2 sample parses and matches its rule pattern only', () => {
    const finding = fromInspector(inspector2FindingEventSchema.parse(inspector));
    expect(finding).toMatchObject({ findingId: inspector.detail.findingArn, severity: 'high', status: 'active', product: 'Inspector' });
    expect(matchesPattern(INSPECTOR2_FINDING_PATTERN, inspector)).toBe(true);
    expect(matchesPattern(GUARDDUTY_FINDING_PATTERN, inspector)).toBe(false);
  });
  test.each([
    ['SUPPRESSED', 'suppressed'],
    ['CLOSED', 'closed'],
  ])('Inspector status %s → %s', (status, expected) => {
    expect(fromInspector(inspector2FindingEventSchema.parse({ ...inspector, detail: { ...inspector.detail, status } })).status).toBe(expected);
  });
  test.each([
    ['GuardDuty without a severity', guardDutyFindingEventSchema, { ...guardDuty, detail: { ...guardDuty.detail, severity: undefined } }],
    ['GuardDuty without a finding id', guardDutyFindingEventSchema, { ...guardDuty, detail: { ...guardDuty.detail, id: undefined } }],
    ['Inspector with an unknown severity', inspector2FindingEventSchema, { ...inspector, detail: { ...inspector.detail, severity: 'SEVERE' } }],
    ['Inspector with an unknown status', inspector2FindingEventSchema, { ...inspector, detail: { ...inspector.detail, status: 'OPEN' } }],
    ['Inspector without a finding ARN', inspector2FindingEventSchema, { ...inspector, detail: { ...inspector.detail, findingArn: undefined } }],
  ] as const)('rejects %s', (_, schema, event) => {
    expect((schema as typeof guardDutyFindingEventSchema).safeParse(event).success).toBe(false);
  });
});

describe('which finding to archive on close', () => {
  const closed = { state: 'Closed', findingId: 'gd-1', guardDutyDetectorId: 'det-1' };
  test('a closed GuardDuty incident: its detector and finding', () => {
    expect(guardDutyFindingToArchive(closed)).toEqual({ detectorId: 'det-1', findingId: 'gd-1' });
  });
  test('not yet closed, no detector (Inspector), or no finding: nothing', () => {
    expect(guardDutyFindingToArchive({ ...closed, state: 'Resolved' })).toBeUndefined();
    expect(guardDutyFindingToArchive({ state: 'Closed', findingId: 'arn:aws:inspector2:eu-west-2:1:finding/x' })).toBeUndefined();
    expect(guardDutyFindingToArchive({ state: 'Closed', guardDutyDetectorId: 'det-1' })).toBeUndefined();
  });
});
