import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { isIPv4 } from 'node:net';
import { CfnIPSet, CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ItsmApiFirewallProps {
  readonly clientId: string;
  /** The REST API stage the web ACL protects. */
  readonly stage: Stage;
  /**
   * Requests one client IP address may make in any 5 minutes before WAF answers 429 for a while.
   * A whole office behind one NAT address shares it, so it sits well above one person's use.
   * @default 3000 (10 requests a second, sustained)
   */
  readonly requestsPerIpPer5Minutes?: number;
  /**
   * Requests one caller (one bearer token) may make in any minute before WAF answers 429. Keyed
   * on the Authorization header: each person's session or machine client's token has its own
   * budget, so one runaway integration cannot exhaust an office's shared per-IP limit.
   * @default 600 (10 requests a second)
   */
  readonly requestsPerCallerPerMinute?: number;
  /**
   * Client config `api.access` `vpn`: the only source addresses (CIDR blocks, IPv4 and/or IPv6)
   * that may reach the API; a first rule blocks every other address with 403.
   * @default every address (no such rule)
   */
  readonly allowedCidrs?: readonly string[];
  /**
   * Requests one client IP address may make to the public paths (health, the API description) in
   * any 5 minutes: they need no token, so without a limit of their own anyone could spend the
   * stage's throttle on them.
   * @default 300 (one a second)
   */
  readonly publicRequestsPerIpPer5Minutes?: number;
  /** The stage's public paths, e.g. `/v1/health` (the stage name included, as WAF sees the URI). */
  readonly publicPaths?: readonly string[];
  /** Encrypts the WAF log group. */
  readonly logKey: IKey;
  readonly logRetention: RetentionDays;
}

/** Request headers WAF never writes to its logs: bearer tokens stay out of them. */
export const REDACTED_HEADERS = ['authorization'] as const;

/** The rule in AWSManagedRulesCommonRuleSet that is only counted, and why (docs/security.md). */
export const COUNTED_COMMON_RULES = ['SizeRestrictions_BODY'] as const;

export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesCommonRuleSet',
] as const;

const TOO_MANY_REQUESTS_BODY = 'too-many-requests';
const TOO_MANY_REQUESTS_FROM_CALLER_BODY = 'too-many-requests-from-caller';

/**
 * AWS WAF in front of the API stage: a per-IP limit on the public paths, a per-IP and a per-caller rate limit,
 * then the AWS managed rule groups for IP reputation, known bad inputs and the common rule set. Logged to an
 * encrypted log group with the Authorization header redacted.
 *
 * The common rule set's SizeRestrictions_BODY blocks every body over 8 KB. The functions accept
 * bodies up to 64 KB (an 8,000-character description plus resolution notes, in any script, is
 * well over 8 KB) and answer larger ones with a 413 problem+json naming the limit, so that one
 * rule is set to count: WAF still reports it, the functions keep enforcing the limit.
 */
export class ItsmApiFirewall extends Construct {
  readonly webAcl: CfnWebACL;
  /** WAF's request log (aws-waf-logs-…), encrypted, Authorization redacted. */
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ItsmApiFirewallProps) {
    super(scope, id);
    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `rowe-itsm-${props.clientId}-${name}`,
    });
    const managedGroup = (priority: number, name: (typeof MANAGED_RULE_GROUPS)[number], countRules: readonly string[] = []) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ...(countRules.length > 0 && { ruleActionOverrides: countRules.map((rule) => ({ name: rule, actionToUse: { count: {} } })) }),
        },
      },
      visibilityConfig: metric(name),
    });

    // VPN mode: one IP set per address family present, and a rule before all others blocking any source outside them.
    const allowed = props.allowedCidrs ?? [];
    const ipSets = (['IPV4', 'IPV6'] as const)
      .map((version) => ({ version, addresses: allowed.filter((cidr) => (version === 'IPV4') === isIPv4(cidr.split('/')[0]!)) }))
      .filter((set) => set.addresses.length > 0)
      .map(
        (set) =>
          new CfnIPSet(this, `AllowedSources${set.version === 'IPV4' ? 'V4' : 'V6'}`, {
            scope: 'REGIONAL',
            ipAddressVersion: set.version,
            addresses: set.addresses,
            description: `rowe-itsm ${props.clientId}: the only source addresses that may reach the API, from client config api.access`,
          }),
      );
    const references = ipSets.map((set) => ({ ipSetReferenceStatement: { arn: set.attrArn } }));
    const allowedSourcesRule = references.length === 0 ? [] : [
      {
        name: 'AllowedSourcesOnly',
        priority: 0,
        action: { block: {} },
        statement: { notStatement: { statement: references.length === 1 ? references[0]! : { orStatement: { statements: references } } } },
        visibilityConfig: metric('allowed-sources-only'),
      },
    ];
    // The other rules keep their priorities after it (0.. when there is none).
    const first = allowedSourcesRule.length;
    // The public paths' own, lower, per-IP limit, before the general one.
    const publicPaths = props.publicPaths ?? [];
    const match = (positionalConstraint: string, searchString: string) => ({
      byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint, searchString, textTransformations: [{ priority: 0, type: 'NONE' }] },
    });
    // A path with a parameter (`/v1/knowledge/{id}/views`): what comes before it and what ends it.
    const pathStatement = (path: string) => {
      const parameter = /\{[^}]+\}/.exec(path);
      if (!parameter) return match('EXACTLY', path);
      const after = path.slice(path.lastIndexOf('}') + 1);
      const before = match('STARTS_WITH', path.slice(0, parameter.index));
      return after ? { andStatement: { statements: [before, match('ENDS_WITH', after)] } } : before;
    };
    const publicPathsRule = publicPaths.length === 0 ? [] : [
      {
        name: 'RatePerIpOnPublicPaths',
        priority: first,
        action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: TOO_MANY_REQUESTS_BODY, responseHeaders: [{ name: 'Retry-After', value: '60' }] } } },
        statement: {
          rateBasedStatement: {
            limit: props.publicRequestsPerIpPer5Minutes ?? 300,
            evaluationWindowSec: 300,
            aggregateKeyType: 'IP',
            scopeDownStatement: publicPaths.length === 1 ? pathStatement(publicPaths[0]!) : { orStatement: { statements: publicPaths.map(pathStatement) } },
          },
        },
        visibilityConfig: metric('rate-per-ip-public-paths'),
      },
    ];
    const publicRules = publicPathsRule.length;

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: `rowe-itsm ${props.clientId}: protects the REST API stage`,
      defaultAction: { allow: {} },
      visibilityConfig: metric('api'),
      // A refusal for too many requests reads like the API's own: RFC 9457 JSON with status 429.
      customResponseBodies: {
        [TOO_MANY_REQUESTS_BODY]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            type: 'about:blank',
            title: 'Too many requests',
            status: 429,
            detail: 'Too many requests from this address; wait a few minutes and try again',
          }),
        },
        [TOO_MANY_REQUESTS_FROM_CALLER_BODY]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            type: 'about:blank',
            title: 'Too many requests',
            status: 429,
            detail: 'Too many requests with this token; wait a minute and try again',
          }),
        },
      },
      rules: [
        ...allowedSourcesRule,
        ...publicPathsRule,
        {
          name: 'RatePerIp',
          priority: first + publicRules,
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: TOO_MANY_REQUESTS_BODY,
                // WAF re-evaluates rate limits every few minutes; tell clients when to come back.
                responseHeaders: [{ name: 'Retry-After', value: '60' }],
              },
            },
          },
          statement: {
            rateBasedStatement: { limit: props.requestsPerIpPer5Minutes ?? 3000, evaluationWindowSec: 300, aggregateKeyType: 'IP' },
          },
          visibilityConfig: metric('rate-per-ip'),
        },
        {
          name: 'RatePerCaller',
          priority: first + publicRules + 1,
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: TOO_MANY_REQUESTS_FROM_CALLER_BODY,
                responseHeaders: [{ name: 'Retry-After', value: '60' }],
              },
            },
          },
          statement: {
            // Requests without the header are not counted here (the per-IP rule still is), and the
            // authorizer refuses them anyway.
            rateBasedStatement: {
              limit: props.requestsPerCallerPerMinute ?? 600,
              evaluationWindowSec: 60,
              aggregateKeyType: 'CUSTOM_KEYS',
              customKeys: [{ header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } }],
            },
          },
          visibilityConfig: metric('rate-per-caller'),
        },
        managedGroup(first + publicRules + 2, 'AWSManagedRulesAmazonIpReputationList'),
        managedGroup(first + publicRules + 3, 'AWSManagedRulesKnownBadInputsRuleSet'),
        managedGroup(first + publicRules + 4, 'AWSManagedRulesCommonRuleSet', COUNTED_COMMON_RULES),
      ],
    });

    new CfnWebACLAssociation(this, 'StageAssociation', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    // Every request WAF sees, attributable (source address, path, rule matched), with the bearer
    // token redacted. WAF requires the group's name to start with aws-waf-logs-.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-rowe-itsm-${props.clientId}`,
      retention: props.logRetention,
      encryptionKey: props.logKey,
    });
    new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // The group's ARN without the `:*` suffix, as WAF expects it.
      logDestinationConfigs: [
        Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: this.logGroup.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ],
      redactedFields: REDACTED_HEADERS.map((name) => ({ singleHeader: { Name: name } })),
    });
  }
}
