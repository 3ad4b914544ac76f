/**
 * The dashboard of each client stack: the desk's application metrics (EMF) and the stack's health,
 * checked by metric names and resources named in its body (not by widget counts).
 */
import { DASHBOARD_APPLICATION_METRICS } from '../../src/kernel/infra/itsm-dashboard';
import { resourcesOfType, useClientStacks } from './infra-fixtures';

const fixture = useClientStacks();

/** The dashboard body as one string (CloudFormation joins it with references). */
function dashboardBody(clientId: string): { name: string; body: string } {
  const { resources } = fixture.get(clientId);
  const dashboards = resourcesOfType(resources, 'AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  const [, dashboard] = dashboards[0]!;
  return { name: dashboard.Properties.DashboardName, body: JSON.stringify(dashboard.Properties.DashboardBody) };
}

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  test('one dashboard per client stack, named after the client', () => {
    expect(dashboardBody(clientId).name).toBe(`rowe-itsm-${clientId}`);
  });

  test("the desk's figures: incidents opened by priority and source, SLA warnings, breaches and escalations, events ingested and failed", () => {
    const { body } = dashboardBody(clientId);
    for (const group of Object.values(DASHBOARD_APPLICATION_METRICS)) {
      for (const name of group.names) expect(body).toContain(`\\"${name}\\"`);
      expect(body).toContain(`\\"service\\",\\"${group.service}\\"`);
    }
    for (const name of ['IncidentsOpened_P1', 'IncidentsOpened_phone', 'SlaWarnings', 'SlaBreaches', 'SlaEscalations', 'EventsIngested', 'EventIngestionFailed']) {
      expect(body).toContain(name);
    }
    expect(body).toContain('\\"RoweItsm\\"');
  });

  test("the stack's health: API latency and 5xx, every function's errors and throttles, DLQ depth, failed SLA workflow executions", () => {
    const { resources } = fixture.get(clientId);
    const { body } = dashboardBody(clientId);
    expect(body).toContain('\\"AWS/ApiGateway\\",\\"Latency\\"');
    expect(body).toContain('\\"AWS/ApiGateway\\",\\"5XXError\\"');
    expect(body).toMatch(/p99/);
    for (const [logicalId] of resourcesOfType(resources, 'AWS::Lambda::Function').filter(([, fn]) => fn.Metadata?.['itsm:entry'])) {
      expect({ logicalId, errors: body.includes(`{"Ref":"${logicalId}"}`) }).toEqual({ logicalId, errors: true });
    }
    expect(body).toContain('\\"AWS/Lambda\\",\\"Errors\\"');
    expect(body).toContain('\\"AWS/Lambda\\",\\"Throttles\\"');
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
    for (const [logicalId] of resourcesOfType(resources, 'AWS::SQS::Queue')) expect(body).toContain(`"${logicalId}","QueueName"`);
    expect(body).toContain('\\"AWS/States\\",\\"ExecutionsFailed\\"');
  });
});

describe.each(['example', 'acme-us'])('%s health alarms on the dashboard', (clientId) => {
  test('an alarm status widget shows every health alarm', () => {
    const { resources } = fixture.get(clientId);
    const { body } = dashboardBody(clientId);
    expect(body).toContain('\\"alarms\\":[');
    const health = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').filter(([, a]) => String(a.Properties.AlarmName ?? '').startsWith(`rowe-itsm-health-${clientId}-`));
    expect(health.length).toBeGreaterThan(20);
    for (const [logicalId] of health) expect({ logicalId, shown: body.includes(`{"Fn::GetAtt":["${logicalId}","Arn"]}`) }).toEqual({ logicalId, shown: true });
  });
});
