/**
 * Private access (issue #23, item 3), per mode of the client config's `api.access`:
 * - `public` (default, the shipped clients): a REGIONAL endpoint, no resource policy, no IP sets;
 * - `private` (test/fixtures/clients/all-options.json): a PRIVATE endpoint whose resource policy
 *   allows execute-api:Invoke only through the listed VPC endpoints and denies every other source;
 * - `vpn` (test/fixtures/clients/all-options-vpn.json): AWS WAF IP sets and a first rule on the
 *   stage's web ACL blocking every other source address.
 * And the synth refuses a bad access block naming the file, the field and the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientConfigError, parseClientConfig } from '../../src/config/load-client-configs';
import { CLIENTS_DIR, referencedId, resourcesOfType, TEST_CLIENTS_DIR, useClientStacks, type CfnResourceJson } from './infra-fixtures';

const fixture = useClientStacks({}, { testClients: true });

const only = <T>(list: readonly T[]): T => {
  expect(list).toHaveLength(1);
  return list[0]!;
};
const restApiOf = (resources: Readonly<Record<string, CfnResourceJson>>) => only(resourcesOfType(resources, 'AWS::ApiGateway::RestApi'))[1];
const webAclOf = (resources: Readonly<Record<string, CfnResourceJson>>) => only(resourcesOfType(resources, 'AWS::WAFv2::WebACL'))[1];
const ruleNames = (acl: CfnResourceJson) => (acl.Properties.Rules as { Name: string; Priority: number }[]).map((r) => [r.Priority, r.Name]);
const configOf = (dir: string, id: string) => JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8'));

describe.each(['example', 'acme-us'])('public (default): %s', (clientId) => {
  test('a regional endpoint, no resource policy, no IP set, the web ACL as it always was', () => {
    const { resources, config } = fixture.get(clientId);
    expect(config.api.access).toBe('public');
    const api = restApiOf(resources);
    expect(api.Properties.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    expect(api.Properties.Policy).toBeUndefined();
    expect(resourcesOfType(resources, 'AWS::WAFv2::IPSet')).toEqual([]);
    expect(ruleNames(webAclOf(resources))).toEqual([
      [0, 'RatePerIpOnPublicPaths'],
      [1, 'RatePerIp'],
      [2, 'RatePerCaller'],
      [3, 'AWSManagedRulesAmazonIpReputationList'],
      [4, 'AWSManagedRulesKnownBadInputsRuleSet'],
      [5, 'AWSManagedRulesCommonRuleSet'],
    ]);
  });
});

describe('private: all-options', () => {
  test('a PRIVATE endpoint; invoke allowed only through the listed VPC endpoints, denied from anywhere else', () => {
    const { resources } = fixture.get('all-options');
    const endpoints = configOf(TEST_CLIENTS_DIR, 'all-options').api.access.vpcEndpointIds;
    expect(endpoints.length).toBeGreaterThanOrEqual(2);
    const api = restApiOf(resources);
    expect(api.Properties.EndpointConfiguration).toEqual({ Types: ['PRIVATE'] });
    expect(api.Properties.Policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'InvokeThroughTheClientsVpcEndpoints',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'execute-api:Invoke',
          Resource: 'execute-api:/*',
          Condition: { StringEquals: { 'aws:SourceVpce': endpoints } },
        },
        {
          Sid: 'DenyEveryOtherSource',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'execute-api:Invoke',
          Resource: 'execute-api:/*',
          Condition: { StringNotEquals: { 'aws:SourceVpce': endpoints } },
        },
      ],
    });
    // The firewall and every method's authorizer stay as they are.
    expect(resourcesOfType(resources, 'AWS::WAFv2::IPSet')).toEqual([]);
    expect(ruleNames(webAclOf(resources))[0]).toEqual([0, 'RatePerIpOnPublicPaths']);
  });
});

describe('vpn: all-options-vpn', () => {
  test('one IP set per address family; a first WAF rule blocks every source outside them; a regional endpoint', () => {
    const { resources } = fixture.get('all-options-vpn');
    const cidrs: string[] = configOf(TEST_CLIENTS_DIR, 'all-options-vpn').api.access.allowedCidrs;
    const sets = resourcesOfType(resources, 'AWS::WAFv2::IPSet');
    expect(sets.map(([, s]) => [s.Properties.IPAddressVersion, s.Properties.Addresses, s.Properties.Scope]).sort()).toEqual([
      ['IPV4', cidrs.filter((c) => !c.includes(':')), 'REGIONAL'],
      ['IPV6', cidrs.filter((c) => c.includes(':')), 'REGIONAL'],
    ]);
    const acl = webAclOf(resources);
    expect(ruleNames(acl)).toEqual([
      [0, 'AllowedSourcesOnly'],
      [1, 'RatePerIpOnPublicPaths'],
      [2, 'RatePerIp'],
      [3, 'RatePerCaller'],
      [4, 'AWSManagedRulesAmazonIpReputationList'],
      [5, 'AWSManagedRulesKnownBadInputsRuleSet'],
      [6, 'AWSManagedRulesCommonRuleSet'],
    ]);
    const rule = acl.Properties.Rules[0];
    expect(rule.Action).toEqual({ Block: {} });
    const referenced = rule.Statement.NotStatement.Statement.OrStatement.Statements.map((s: any) => referencedId(s.IPSetReferenceStatement.Arn));
    expect(referenced.sort()).toEqual(sets.map(([id]) => id).sort());
    expect(restApiOf(resources).Properties.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    expect(restApiOf(resources).Properties.Policy).toBeUndefined();
  });
});

describe('the synth refuses a bad api.access, naming the file, the field and the reason', () => {
  const example = () => configOf(CLIENTS_DIR, 'example');
  const problemsOf = (access: unknown) => {
    try {
      parseClientConfig('clients/example.json', JSON.stringify({ ...example(), api: { access } }));
    } catch (error) {
      expect(error).toBeInstanceOf(ClientConfigError);
      expect((error as Error).message).toContain('clients/example.json');
      return (error as ClientConfigError).problems;
    }
    throw new Error('accepted');
  };

  test.each([
    [{ mode: 'vpn', allowedCidrs: ['10.0.0.0/33'] }, 'api.access.allowedCidrs.0', /prefix \/33 must be between \/1 and \/32/],
    [{ mode: 'vpn', allowedCidrs: ['10.0.0.0/0'] }, 'api.access.allowedCidrs.0', /AWS WAF refuses \/0/],
    [{ mode: 'vpn', allowedCidrs: ['10.0.0.300/24'] }, 'api.access.allowedCidrs.0', /is not an IPv4 or IPv6 address/],
    [{ mode: 'vpn', allowedCidrs: ['10.0.0.1'] }, 'api.access.allowedCidrs.0', /must be a CIDR block/],
    [{ mode: 'vpn', allowedCidrs: [] }, 'api.access.allowedCidrs', /at least one CIDR block/],
    [{ mode: 'private', vpcEndpointIds: [] }, 'api.access.vpcEndpointIds', /at least one VPC endpoint/],
    [{ mode: 'private', vpcEndpointIds: ['vpc-123'] }, 'api.access.vpcEndpointIds.0', /must be an interface VPC endpoint id/],
    [{ mode: 'private', vpcEndpointIds: ['vpce-0123456789abcdef0'], allowedCidrs: ['10.0.0.0/8'] }, 'api.access.allowedCidrs', /not a known field/],
    ['private', 'api.access', /must be "public"/],
  ])('%j', (access, field, reason) => {
    expect(problemsOf(access)).toEqual(expect.arrayContaining([{ field, reason: expect.stringMatching(reason) }]));
  });

  test('releases.deploymentConfig must be one of the predefined configurations', () => {
    try {
      parseClientConfig('clients/example.json', JSON.stringify({ ...example(), releases: { deploymentConfig: 'CANARY_50PERCENT_1MINUTE' } }));
      throw new Error('accepted');
    } catch (error) {
      expect((error as ClientConfigError).problems).toEqual([{ field: 'releases.deploymentConfig', reason: expect.stringMatching(/^must be one of CANARY_10PERCENT_5MINUTES, /) }]);
    }
  });

  test('omitted: public access and canary 10 % for 5 minutes', () => {
    const config = parseClientConfig('clients/example.json', JSON.stringify(example()));
    expect({ access: config.api.access, releases: config.releases }).toEqual({ access: 'public', releases: { deploymentConfig: 'CANARY_10PERCENT_5MINUTES' } });
  });
});
