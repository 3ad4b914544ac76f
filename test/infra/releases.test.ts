/**
 * Safe releases (issue #23, item 1): every function runs behind its `live` alias, every invoker
 * calls the alias, and CodeDeploy shifts the alias by the client's deployment configuration,
 * rolling back on the alarms on what the alias serves; and (item 2) with code signing on, every
 * function refuses code its Signer profile did not sign. Over the shipped clients and the test
 * clients with every option on (test/fixtures/clients).
 */
import { ENTRY_METADATA, LIVE_ALIAS } from '../../src/kernel/infra/itsm-function';
import { clientConfigsFor, referencedId, referencedIds, resourcesOfType, restApiBodyOf, apiOperationsOf, integratedFunctionIds, useClientStacks } from './infra-fixtures';

const fixture = useClientStacks({}, { testClients: true });
const clientIds = clientConfigsFor({ testClients: true }).map((c) => c.id);

/** CodeDeploy's names of the predefined configurations, per client. */
const EXPECTED_CONFIG: Readonly<Record<string, string>> = {
  example: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
  'acme-us': 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
  'all-options': 'CodeDeployDefault.LambdaCanary10Percent15Minutes',
  'all-options-vpn': 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
};

/** The profile version each client's functions trust: none (no signing), created by the stack, or the client's own. */
const EXPECTED_SIGNING: Readonly<Record<string, 'none' | 'created' | string>> = {
  example: 'none',
  'acme-us': 'none',
  'all-options': 'created',
  'all-options-vpn': 'arn:aws:signer:eu-west-2:111111111111:/signing-profiles/RoweItsmReleases/AbCdEf1234',
};

describe.each(clientIds)('%s', (clientId) => {
  const resources = () => fixture.get(clientId).resources;

  test('code signing: every function refuses unsigned code when the client turns it on; no signing configuration otherwise', () => {
    const expected = EXPECTED_SIGNING[clientId];
    expect(expected).toBeDefined();
    const functions = resourcesOfType(resources(), 'AWS::Lambda::Function');
    const configs = resourcesOfType(resources(), 'AWS::Lambda::CodeSigningConfig');
    const profiles = resourcesOfType(resources(), 'AWS::Signer::SigningProfile');
    if (expected === 'none') {
      expect({ configs: configs.length, profiles: profiles.length }).toEqual({ configs: 0, profiles: 0 });
      expect(functions.filter(([, f]) => f.Properties.CodeSigningConfigArn !== undefined).map(([id]) => id)).toEqual([]);
      return;
    }
    expect(configs).toHaveLength(1);
    const [configId, config] = configs[0]!;
    expect(config.Properties.CodeSigningPolicies).toEqual({ UntrustedArtifactOnDeployment: 'Enforce' });
    const trusted = config.Properties.AllowedPublishers.SigningProfileVersionArns;
    if (expected === 'created') {
      expect(profiles).toHaveLength(1);
      expect(profiles[0]![1].Properties.PlatformId).toBe('AWSLambda-SHA384-ECDSA');
      expect(trusted).toEqual([{ 'Fn::GetAtt': [profiles[0]![0], 'ProfileVersionArn'] }]);
    } else {
      expect(profiles).toHaveLength(0);
      expect(trusted).toEqual([expected]);
    }
    // Every function of the stack, not only the API's: a job's code is as much the release as a route's.
    expect(functions.length).toBeGreaterThanOrEqual(12);
    expect(functions.filter(([, f]) => referencedId(f.Properties.CodeSigningConfigArn) !== configId).map(([id]) => id)).toEqual([]);
  });
  const aliases = () => Object.fromEntries(resourcesOfType(resources(), 'AWS::Lambda::Alias'));
  /** Alias logical id → its function's logical id. */
  const functionOfAlias = () => Object.fromEntries(Object.entries(aliases()).map(([id, a]) => [id, referencedId(a.Properties.FunctionName)!]));

  test('every function has exactly one alias, live, on a version of itself, updated through CodeDeploy', () => {
    const functions = resourcesOfType(resources(), 'AWS::Lambda::Function').filter(([, f]) => f.Metadata?.[ENTRY_METADATA]);
    expect(functions.length).toBeGreaterThanOrEqual(12);
    const byFunction = new Map<string, string[]>();
    for (const [aliasId, alias] of Object.entries(aliases())) {
      expect(alias.Properties.Name).toBe(LIVE_ALIAS);
      const fnId = referencedId(alias.Properties.FunctionName)!;
      const versionId = referencedId(alias.Properties.FunctionVersion)!;
      expect(resources()[versionId]).toMatchObject({ Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: fnId } } });
      const update = (alias as any).UpdatePolicy?.CodeDeployLambdaAliasUpdate;
      expect(resources()[referencedId(update?.DeploymentGroupName)!]?.Type).toBe('AWS::CodeDeploy::DeploymentGroup');
      byFunction.set(fnId, [...(byFunction.get(fnId) ?? []), aliasId]);
    }
    expect(functions.map(([id]) => [id, byFunction.get(id)?.length])).toEqual(functions.map(([id]) => [id, 1]));
  });

  test("one CodeDeploy application; one deployment group per alias with the client's configuration, rolling back on its alias alarms", () => {
    expect(resourcesOfType(resources(), 'AWS::CodeDeploy::Application')).toHaveLength(1);
    const groups = resourcesOfType(resources(), 'AWS::CodeDeploy::DeploymentGroup');
    expect(groups).toHaveLength(Object.keys(aliases()).length);
    const roles = new Set(groups.map(([, g]) => referencedId(g.Properties.ServiceRoleArn)));
    expect(roles.size).toBe(1);
    for (const [groupId, group] of groups) {
      expect({ groupId, config: group.Properties.DeploymentConfigName }).toEqual({ groupId, config: EXPECTED_CONFIG[clientId] });
      expect(group.Properties.AutoRollbackConfiguration).toEqual({
        Enabled: true,
        Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'],
      });
      expect(group.Properties.AlarmConfiguration.Enabled).toBe(true);
      const [aliasId] = Object.entries(aliases()).find(([, a]) => referencedId((a as any).UpdatePolicy.CodeDeployLambdaAliasUpdate.DeploymentGroupName) === groupId)!;
      const fnId = functionOfAlias()[aliasId];
      const alarms = group.Properties.AlarmConfiguration.Alarms.map((a: { Name: unknown }) => resources()[referencedId(a.Name)!]!);
      expect(alarms.map((a: any) => a.Properties.MetricName).sort()).toEqual(['Duration', 'Errors']);
      for (const alarm of alarms) {
        // On what the alias serves: FunctionName and Resource "<function>:live".
        expect(alarm.Properties.Dimensions).toEqual([
          { Name: 'FunctionName', Value: { Ref: fnId } },
          { Name: 'Resource', Value: { 'Fn::Join': ['', [{ Ref: fnId }, `:${LIVE_ALIAS}`]] } },
        ]);
      }
    }
  });

  test('the API integrations and their invoke permissions name the live aliases', () => {
    const aliasIds = new Set(Object.keys(aliases()));
    restApiBodyOf(resources());
    for (const { method, path, operation } of apiOperationsOf(resources())) {
      const ids = integratedFunctionIds(operation);
      expect({ route: `${method} ${path}`, aliases: ids.every((id) => aliasIds.has(id)) && ids.length === 1 }).toEqual({ route: `${method} ${path}`, aliases: true });
    }
    for (const [id, permission] of resourcesOfType(resources(), 'AWS::Lambda::Permission')) {
      expect({ id, target: resources()[referencedId(permission.Properties.FunctionName)!]?.Type }).toEqual({ id, target: 'AWS::Lambda::Alias' });
    }
  });

  test('rule targets, the SLA task and the stream mapping invoke the live aliases, never a bare function', () => {
    const isAlias = (id: string) => resources()[id]?.Type === 'AWS::Lambda::Alias';
    const isFunction = (id: string) => resources()[id]?.Type === 'AWS::Lambda::Function';
    for (const [ruleId, rule] of resourcesOfType(resources(), 'AWS::Events::Rule')) {
      for (const target of rule.Properties.Targets ?? []) {
        const ids = [...referencedIds(target.Arn)];
        if (ids.some((i) => isAlias(i) || isFunction(i))) expect({ ruleId, ids: ids.map((i) => resources()[i]!.Type) }).toEqual({ ruleId, ids: ['AWS::Lambda::Alias'] });
      }
    }
    const [[, machine]] = resourcesOfType(resources(), 'AWS::StepFunctions::StateMachine') as [[string, any]];
    const named = [...referencedIds(machine.Properties.DefinitionString)].filter((i) => isAlias(i) || isFunction(i));
    expect(named.map((i) => resources()[i]!.Type)).toEqual(['AWS::Lambda::Alias']);
    const mappings = resourcesOfType(resources(), 'AWS::Lambda::EventSourceMapping');
    expect(mappings.length).toBeGreaterThanOrEqual(1);
    for (const [, mapping] of mappings) {
      expect([...referencedIds(mapping.Properties.FunctionName)].map((i) => resources()[i]!.Type)).toEqual(['AWS::Lambda::Alias']);
    }
  });
});
