/**
 * The cost estimator (bin/cost, `npm run cost`) over a small hand-written template: each resource
 * that costs at rest is priced by the table's figures, what is free is not, a disabled schedule
 * costs nothing, and a type it does not know is reported rather than silently left out.
 */
import { stackCostReport } from '../../bin/cost/report';
import { eventCost, idleCostLines, incidentCost, invocationsPerMonth, unpricedTypes, type TemplateJson } from '../../bin/cost/estimate';
import { pricesFor } from '../../bin/cost/prices';

const template: TemplateJson = {
  Resources: {
    Key: { Type: 'AWS::KMS::Key' },
    KeyAlias: { Type: 'AWS::KMS::Alias' },
    ErrorsAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 300 } },
    MathAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: { Metrics: [{ MetricStat: { Period: 300 } }, { MetricStat: { Period: 300 } }, { MetricStat: { Period: 300 } }, { Expression: 'm1+m2+m3' }] },
    },
    FastAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 10 } },
    Board: { Type: 'AWS::CloudWatch::Dashboard' },
    Acl: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{}, {}] } },
    Table: { Type: 'AWS::DynamoDB::Table', Properties: { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } } },
    Global: {
      Type: 'AWS::DynamoDB::GlobalTable',
      Properties: { Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }, { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }] },
    },
    Job: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 512 } },
    JobLive: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Job' } } },
    EveryMinute: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 minute)', Targets: [{ Arn: { Ref: 'JobLive' } }] } },
    Standby: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 minute)', State: 'DISABLED', Targets: [{ Arn: { Ref: 'JobLive' } }] } },
    Pattern: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['aws.cloudwatch'] } } },
    Machine: { Type: 'AWS::EC2::Instance' },
  },
};

const usEast = pricesFor('us-east-1');
const byId = (region = usEast) => Object.fromEntries(idleCostLines(template, region).map((l) => [l.logicalId, l.monthlyUsd]));

test('schedule expressions: invocations in a 30-day month', () => {
  expect(invocationsPerMonth('rate(1 minute)')).toBe(43_200);
  expect(invocationsPerMonth('rate(5 minutes)')).toBe(8_640);
  expect(invocationsPerMonth('rate(2 hours)')).toBe(360);
  expect(invocationsPerMonth('rate(1 day)')).toBe(30);
  expect(invocationsPerMonth('cron(0 12 * * ? *)')).toBeUndefined();
});

test('each resource that costs at rest is priced by the table; free ones and a disabled schedule are not', () => {
  const lines = byId();
  expect(Object.keys(lines).sort()).toEqual(['Acl', 'Board', 'ErrorsAlarm', 'EveryMinute', 'FastAlarm', 'Global', 'Key', 'MathAlarm', 'Table']);
  expect(lines['Key']).toBeCloseTo(1, 10);
  expect(lines['ErrorsAlarm']).toBeCloseTo(0.1, 10);
  // An alarm over three metrics is priced as three; a 10-second alarm at the high-resolution price.
  expect(lines['MathAlarm']).toBeCloseTo(0.3, 10);
  expect(lines['FastAlarm']).toBeCloseTo(0.3, 10);
  expect(lines['Board']).toBeCloseTo(3, 10);
  expect(lines['Acl']).toBeCloseTo(5 + 2 * 1, 10);
  // 0.1 GB at $0.25 + PITR $0.20; a global table stores it once per replica.
  expect(lines['Table']).toBeCloseTo(0.1 * 0.45, 10);
  expect(lines['Global']).toBeCloseTo(2 * 0.1 * 0.45, 10);
  // 43,200 runs: requests, 0.2 s at 0.5 GB, 2 KB of logs each, one trace each.
  const runs = 43_200;
  expect(lines['EveryMinute']).toBeCloseTo((runs / 1e6) * 0.2 + runs * 0.2 * 0.5 * 0.0000133334 + ((runs * 2) / 1024 / 1024) * 0.5 + (runs / 1e6) * 5, 10);
});

test('a type the estimator does not know is reported, not left out', () => {
  expect(unpricedTypes(template)).toEqual(['AWS::EC2::Instance']);
});

test('a region without its own figures uses N. Virginia for request and storage prices and says so; fixed fees are the same everywhere', () => {
  const london = pricesFor('eu-west-2');
  expect(byId(london)).toEqual(byId());
  expect(london.referencePriced.has('dynamoStorageGbMonth')).toBe(true);
  expect(london.referencePriced.has('kmsKeyMonth')).toBe(false);
  expect(pricesFor('us-west-2').referencePriced.size).toBe(0);
});

const units = {
  'create incident': { read: 0.5, write: 43, calls: 4 },
  'get incident': { read: 0.5, write: 0, calls: 1 },
  'update incident (state change)': { read: 0.5, write: 34, calls: 2 },
  'add timeline entry (comment)': { read: 0.5, write: 30, calls: 2 },
  'resolve incident': { read: 0.5, write: 36, calls: 2 },
};
const usage = { apiSeconds: 0.1, apiMemoryGb: 1, logKbPerRequest: 2, replicated: false, waf: false };

test("an incident's cost adds up its requests, invocations, write and read units and SLA transitions", () => {
  const incident = incidentCost(usEast, units, 9, usage);
  const writes = 43 + 2 * 34 + 2 * 30 + 36;
  const reads = 0.5 * 9;
  const expected =
    (9 / 1e6) * 3.5 + (9 / 1e6) * 0.2 + 9 * 0.1 * 0.0000133334 + (writes / 1e6) * 0.625 + (reads / 1e6) * 0.125 + (9 / 1000) * 0.025 + ((9 * 2) / 1024 / 1024) * 0.5 + (9 / 1e6) * 5;
  expect(incident.usd).toBeCloseTo(expected, 12);
  // Replication pays each write unit again in the recovery region.
  expect(incidentCost(usEast, units, 9, { ...usage, replicated: true }).usd - incident.usd).toBeCloseTo((writes / 1e6) * 0.625, 12);
  expect(() => incidentCost(usEast, { 'create incident': units['create incident'] }, 9, usage)).toThrow(/lacks get incident/);
  const event = eventCost(usEast, incident, 0.01, { ...usage, eventSeconds: 0.05, eventWriteUnits: 4 });
  expect(event.usd).toBeCloseTo(0.2 / 1e6 + 0.05 * 0.0000133334 + (4 / 1e6) * 0.625 + (2 / 1024 / 1024) * 0.5 + 5 / 1e6 + 0.01 * incident.usd, 12);
});

test('the report states the total against the $10 target, what dominates, and the reductions', () => {
  const bench = { units, slaTransitions: 9, incidentsPerEvent: 0.01 };
  const report = stackCostReport('Itsm-test', template, usEast, bench, false);
  const total = Object.values(byId()).reduce((a, b) => a + b, 0);
  expect(report.idleUsd).toBeCloseTo(total, 10);
  expect(report.markdown).toContain(`**$${total.toFixed(2)}** at list prices; target $10.00 without disaster recovery: over by $${(total - 10).toFixed(2)}`);
  expect(report.markdown).toMatch(/- AWS::WAFv2::WebACL \(1\): \$7\.00, \d+ %/);
  expect(report.markdown).toContain('**Not priced by this estimate** (add them to bin/cost/estimate.ts): AWS::EC2::Instance.');
  expect(report.markdown).toContain('one web ACL can protect several clients');
});
