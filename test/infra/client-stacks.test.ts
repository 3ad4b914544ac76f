/**
 * One stack per client file, pinned to the client's account and region, selectable with
 * `-c client=<id>`; each stack hands its functions the client's own settings.
 */
import { unpackSettings } from '../../src/config/packed-settings';
import { healthAlarmRule } from '../../src/kernel/infra/itsm-health-alarms';
import { App, Stack } from 'aws-cdk-lib';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfigs, parseClientConfig } from '../../src/config/load-client-configs';
import { ItsmStack } from '../../src/stack/itsm-stack';
import { addClientStacks, stackNameFor } from '../../src/stack/itsm-app';
import { functionSettingsSchema } from '../../src/config/client-settings-schema';
import { DEFAULT_PRIORITY_MATRIX } from '../../src/kernel/domain/priority';
import {
  buildClientApp,
  CLIENTS_DIR,
  FAST_SYNTH_CONTEXT,
  functionWithEntry,
  idOf,
  resourcesOfType,
  useClientStacks,
  HANDLER_ENTRIES,
} from './infra-fixtures';

const fixture = useClientStacks();

const stacksOf = (app: App) => app.node.children.filter((c): c is Stack => Stack.isStack(c));

describe('one stack per client file', () => {
  test('the app holds exactly the stacks Itsm-acme-us and Itsm-example', () => {
    expect(stacksOf(fixture.app).map((s) => s.stackName).sort()).toEqual(['Itsm-acme-us', 'Itsm-example']);
    expect(stackNameFor('example')).toBe('Itsm-example');
  });

  test.each([
    ['example', 'Itsm-example', '111111111111', 'eu-west-2'],
    ['acme-us', 'Itsm-acme-us', '222222222222', 'us-east-1'],
  ])('%s is pinned to its account and region', (clientId, stackName, account, region) => {
    const { stack } = fixture.get(clientId);
    expect(stack.stackName).toBe(stackName);
    expect(stack.node.id).toBe(stackName);
    expect(stack.account).toBe(account);
    expect(stack.region).toBe(region);
    expect(stack.environment).toBe(`aws://${account}/${region}`);
    // A client's stack holds its records: it must not be deleted by accident.
    expect(stack.terminationProtection).toBe(true);
    // The synthesized artifact carries the same environment (what `cdk deploy` uses).
    const artifact = fixture.app.synth().getStackByName(stackName);
    expect(artifact.environment).toMatchObject({ account, region });
    expect(artifact.terminationProtection).toBe(true);
  });

  test.each(['example', 'acme-us'])('every taggable resource of %s is tagged with its client id', (clientId) => {
    const { resources } = fixture.get(clientId);
    const tagged = Object.entries(resources).filter(([, r]) => Array.isArray(r.Properties?.Tags));
    expect(tagged.length).toBeGreaterThan(0);
    for (const [logicalId, r] of tagged) {
      expect({ logicalId, tags: r.Properties.Tags }).toEqual({
        logicalId,
        tags: expect.arrayContaining([{ Key: 'rowe-itsm:client', Value: clientId }]),
      });
    }
  });
});

describe('client selection with -c client=<id>', () => {
  test('client=acme-us yields only the acme-us stack', () => {
    const { app, stacks, dispose } = buildClientApp({ client: 'acme-us' });
    try {
      expect(stacks.map((s) => s.stackName)).toEqual(['Itsm-acme-us']);
      expect(stacksOf(app).map((s) => s.stackName)).toEqual(['Itsm-acme-us']);
      expect(stacks[0]!.account).toBe('222222222222');
      expect(stacks[0]!.region).toBe('us-east-1');
    } finally {
      dispose();
    }
  });

  test('an unknown client id throws, naming the requested id and the known clients', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'itsm-infra-test-'));
    try {
      const app = new App({ outdir, context: { ...FAST_SYNTH_CONTEXT, client: 'acme-uk' }, builtinCloudFormationValidation: false });
      expect(() => addClientStacks(app, loadClientConfigs(CLIENTS_DIR))).toThrow(/"acme-uk".*known clients: acme-us, example/);
      expect(stacksOf(app)).toHaveLength(0);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("each stack carries its client's run-time settings", () => {
  test.each(['example', 'acme-us'])('%s: the incidents function gets ITSM_CLIENT_SETTINGS valid for the runtime schema', (clientId) => {
    const { resources, config, stack } = fixture.get(clientId);
    const variables = functionWithEntry(resources, HANDLER_ENTRIES.incidents).fn.Properties.Environment.Variables;
    expect(variables.INCIDENTS_TABLE_NAME).toEqual({ Ref: idOf(stack, stack.data.incidentsTable) });

    // The functions parse this with the runtime schema at cold start; it must pass there.
    const settings = functionSettingsSchema.parse(JSON.parse(unpackSettings(variables.ITSM_CLIENT_SETTINGS)));
    expect(settings).toEqual({
      id: clientId,
      timeZone: config.timeZone,
      priorityMatrix: config.priorityMatrix,
      slaTargets: config.slaTargets,
      priorityThresholds: config.priorityThresholds,
      autoCloseAfter: config.autoCloseAfter,
      // No contacts: personal data, in the client-contacts secret (test/infra/client-contacts.test.ts).
      // The stack puts the health alarms' rule first (test/infra/health-alarms.test.ts).
      monitoring: { ...config.monitoring, alarmRules: [healthAlarmRule(clientId), ...config.monitoring.alarmRules] },
      sla: config.sla,
      changes: config.changes,
      requests: config.requests,
      // A ServiceNow map the client keeps switched off is left out (the stack's 4 KB of environment).
      integrations: config.integrations.servicenow?.enabled ? config.integrations : { ...config.integrations, servicenow: undefined },
      knowledgeStaleAfter: config.knowledgeStaleAfter,
      problems: config.problems,
      intake: config.intake,
      // acme-us keeps its audit records seven years (packed only when not the defaults).
      retention: config.retention,
      // Capacity actions go to the reports function only (Lambda's 4 KB of environment).
      capacity: { actions: [] },
      ...(config.disasterRecoveryPlan && { disasterRecoveryPlan: config.disasterRecoveryPlan }),
    });
    // Lambda allows 4 KB of environment per function in all.
    expect(JSON.stringify(variables).length).toBeLessThan(4096);
  });

  test('acme-us omits priorityMatrix: its function receives the default matrix', () => {
    const { resources } = fixture.get('acme-us');
    const variables = resourcesOfType(resources, 'AWS::Lambda::Function')
      .map(([, r]) => r.Properties.Environment.Variables)
      .find((v) => typeof v.ITSM_CLIENT_SETTINGS === 'string');
    const settings = JSON.parse(unpackSettings(variables.ITSM_CLIENT_SETTINGS));
    expect(settings.priorityMatrix).toEqual(DEFAULT_PRIORITY_MATRIX);
    expect(settings.priorityMatrix['1']['1']).toBe('P1');
    expect(settings.priorityMatrix['3']['3']).toBe('P5');
    expect(settings.timeZone).toBe('America/New_York');
    expect(settings.slaTargets.P1).toEqual({ acknowledge: 'PT10M', respond: 'PT15M', resolve: 'PT2H' });
    // Its own retention reaches the functions (the outbox writers read retention.outboxItems, the chainer auditRecords).
    expect(settings.retention).toEqual({ incidents: 1095, requests: 730, changes: 1095, problems: 1095, auditRecords: 2555, outboxItems: 30 });
  });
});

describe("capacity actions and Lambda's 4 KB of environment", () => {
  test('every function of every client stack stays under 4 KB of environment, the reports function included', () => {
    for (const clientId of ['example', 'acme-us']) {
      for (const [logicalId, fn] of resourcesOfType(fixture.get(clientId).resources, 'AWS::Lambda::Function')) {
        const size = JSON.stringify(fn.Properties.Environment?.Variables ?? {}).length;
        expect({ logicalId, under4k: size < 4096 }).toEqual({ logicalId, under4k: true });
      }
    }
  });

  test('more capacity actions than the reports function can hold stop the synth naming capacity.actions', () => {
    const config = parseClientConfig('clients/example.json', readFileSync(join(CLIENTS_DIR, 'example.json'), 'utf8'));
    const actions = Array.from({ length: 40 }, (_, i) => ({ service: 'web-shop', id: `action-${i}`, name: `A long agreed action name number ${i}`, unit: 'things/hour', baseline: 1, capacity: 2 }));
    const app = new App({ context: FAST_SYNTH_CONTEXT });
    expect(() => new ItsmStack(app, 'TooMany', { config: { ...config, capacity: { actions } } })).toThrow(/capacity\.actions: .*at most 3600/);
  });
});
