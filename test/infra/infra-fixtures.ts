/**
 * Shared fixtures for the infrastructure tests: builds the client stacks exactly as bin/itsm.ts
 * does (one per clients/*.json), with bundling and the built-in CloudFormation validation skipped.
 * synth-validation.test.ts keeps the validation on.
 *
 * useClientStacks synthesizes each set of stacks ONCE per jest run (test/support/run-cache.ts:
 * the first file that asks synthesizes, the others read the templates back as JSON), because a
 * synth costs 3-7 CPU-seconds and two dozen files read the same templates. A file that reads the
 * construct tree (`.stack`, `.app`: logical ids of named constructs) builds its own copy of the
 * stacks when it first asks, in-process and without synthesizing them; logical ids depend on
 * construct paths only, so they are the cached template's.
 */
import type { App, CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadClientConfigs } from '../../src/config/load-client-configs';
import type { ClientConfig } from '../../src/config/client-config-schema';
import type { ItsmStack } from '../../src/stack/itsm-stack';
import { ENTRY_METADATA } from '../../src/kernel/infra/itsm-function';
import { sharedForRun } from '../support/run-cache';

export const REPO_ROOT = resolve(__dirname, '../..');
export const CLIENTS_DIR = join(REPO_ROOT, 'clients');
/**
 * Test client files (never deployed: not in clients/) that turn every option on: canary releases,
 * private and VPN API access. The resource-budget, cdk-nag and cfn-lint tests synthesize them too.
 */
export const TEST_CLIENTS_DIR = join(REPO_ROOT, 'test/fixtures/clients');

export interface ClientAppOptions {
  /** Also synthesize the test client files of TEST_CLIENTS_DIR. @default false */
  readonly testClients?: boolean;
}

/** The client configurations a test synthesizes: the shipped ones, and the test clients when asked. */
export function clientConfigsFor(options: ClientAppOptions = {}): ClientConfig[] {
  return [...loadClientConfigs(CLIENTS_DIR), ...(options.testClients ? loadClientConfigs(TEST_CLIENTS_DIR) : [])];
}

/**
 * Each function's handler entry (the `ENTRY_METADATA` of its `ItsmFunction`), by function: how the
 * infra tests find a function in a template, written once.
 */
export const HANDLER_ENTRIES = {
  audit: 'src/modules/audit/functions/audit-handler.ts',
  auditChainer: 'src/modules/audit/functions/audit-chainer-handler.ts',
  auditPruner: 'src/modules/audit/functions/audit-pruner-handler.ts',
  autoClose: 'src/modules/incidents/functions/auto-close-handler.ts',
  catalogue: 'src/modules/catalogue/functions/catalogue-handler.ts',
  changes: 'src/modules/changes/functions/changes-handler.ts',
  eventIngestion: 'src/modules/monitoring/functions/event-ingestion-handler.ts',
  incidents: 'src/modules/incidents/functions/incidents-handler.ts',
  knowledgeRetirement: 'src/modules/problems/functions/knowledge-retirement-handler.ts',
  meta: 'src/modules/meta/functions/meta-handler.ts',
  oncall: 'src/modules/oncall/functions/oncall-handler.ts',
  outboxConsumer: 'src/modules/outbox/functions/outbox-consumer-handler.ts',
  outboxReconciler: 'src/modules/outbox/functions/outbox-reconciler-handler.ts',
  problems: 'src/modules/problems/functions/problems-handler.ts',
  reports: 'src/modules/reports/functions/reports-handler.ts',
  retention: 'src/modules/privacy/functions/retention-handler.ts',
  servicenow: 'src/modules/servicenow/functions/servicenow-handler.ts',
  siteSignIn: 'src/modules/selfhelp/functions/site-sign-in-handler.ts',
  slaClock: 'src/modules/incidents/functions/sla-clock-handler.ts',
} as const;

export const FAST_SYNTH_CONTEXT = { 'aws:cdk:bundling-stacks': [] as string[] };

/** A CloudFormation resource as it appears in the template JSON. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: any;
  readonly Metadata?: any;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string[];
}

export interface SynthesizedClientStack {
  readonly stackName: string;
  /** The stack's construct tree (in a shared-synth fixture, built when first read). */
  readonly stack: ItsmStack;
  readonly config: ClientConfig;
  readonly template: Template;
  readonly resources: Readonly<Record<string, CfnResourceJson>>;
}

export interface ClientStacksFixture {
  readonly app: App;
  readonly stacks: readonly ItsmStack[];
  /** Synthesized stacks keyed by client id. */
  readonly byClient: ReadonlyMap<string, SynthesizedClientStack>;
  get(clientId: string): SynthesizedClientStack;
  /** The client's recovery stack (Itsm-<client>-dr), when its file names a recovery region. */
  recoveryOf(clientId: string): SynthesizedClientStack | undefined;
  dispose(): void;
}

/**
 * Builds every client stack (or only `context.client`) into a temporary cloud assembly. `stacks`
 * are the clients' primary stacks; `allStacks` adds the recovery stacks (Itsm-<client>-dr) of the
 * clients with a recovery region.
 */
export function buildClientApp(
  context: Record<string, unknown> = {},
  options: ClientAppOptions = {},
): { app: App; stacks: ItsmStack[]; allStacks: ItsmStack[]; dispose(): void } {
  // Required here, not imported: a file reading cached templates only never loads the stack's modules (a CPU-second).
  const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { addClientStackPairs } = require('../../src/stack/itsm-app') as typeof import('../../src/stack/itsm-app');
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-infra-test-'));
  const app = new App({
    outdir,
    context: { ...FAST_SYNTH_CONTEXT, ...context },
    builtinCloudFormationValidation: false,
  });
  const pairs = addClientStackPairs(app, clientConfigsFor(options));
  return {
    app,
    stacks: pairs.map((p) => p.primary),
    allStacks: pairs.flatMap((p) => (p.recovery ? [p.primary, p.recovery] : [p.primary])),
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** Builds and synthesizes the client stacks in-process (useClientStacks shares one synth per run instead). */
export function synthesizeClientStacks(context: Record<string, unknown> = {}, options: ClientAppOptions = {}): ClientStacksFixture {
  const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
  const { app, stacks, allStacks, dispose } = buildClientApp(context, options);
  const byClient = new Map<string, SynthesizedClientStack>();
  const recoveryByClient = new Map<string, SynthesizedClientStack>();
  for (const stack of allStacks) {
    const template = Template.fromStack(stack);
    (stack.role === 'recovery' ? recoveryByClient : byClient).set(stack.config.id, {
      stackName: stack.stackName,
      stack,
      config: stack.config,
      template,
      resources: template.toJSON()['Resources'] as Record<string, CfnResourceJson>,
    });
  }
  return fixtureOf(() => ({ app, stacks }), byClient, recoveryByClient, dispose);
}

function fixtureOf(
  tree: () => { app: App; stacks: readonly ItsmStack[] },
  byClient: ReadonlyMap<string, SynthesizedClientStack>,
  recoveryByClient: ReadonlyMap<string, SynthesizedClientStack>,
  dispose: () => void,
): ClientStacksFixture {
  return {
    get app() {
      return tree().app;
    },
    get stacks() {
      return tree().stacks;
    },
    byClient,
    get(clientId) {
      const found = byClient.get(clientId);
      if (!found) throw new Error(`No synthesized stack for client ${clientId}; have ${[...byClient.keys()].join(', ')}`);
      return found;
    },
    recoveryOf: (clientId) => recoveryByClient.get(clientId),
    dispose,
  };
}

interface CachedStackTemplate {
  readonly clientId: string;
  readonly stackName: string;
  readonly role: ItsmStack['role'];
  readonly template: Record<string, any>;
}

/**
 * The client stacks' templates, synthesized once per jest run for this context, each checked for
 * cyclic dependencies by Template.fromStack as it is synthesized. Always with the test clients:
 * a client's stacks do not depend on the other clients' (their templates are the same either
 * way), so the files that ask for the shipped clients only read their part of the same synth.
 */
function templatesSharedForRun(context: Record<string, unknown>): CachedStackTemplate[] {
  const key = createHash('sha1').update(JSON.stringify(context)).digest('hex').slice(0, 12);
  return sharedForRun(`client-stacks-${key}`, () => {
    const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
    const { allStacks, dispose } = buildClientApp(context, { testClients: true });
    try {
      return allStacks.map((stack) => ({ clientId: stack.config.id, stackName: stack.stackName, role: stack.role, template: Template.fromStack(stack).toJSON() }));
    } finally {
      dispose();
    }
  });
}

/**
 * The client stacks from the run's shared synth: templates (and resources) read back from JSON; the
 * construct tree (`stack`, `app`, `stacks`) built in-process on first use, never synthesized.
 */
export function cachedClientStacks(context: Record<string, unknown> = {}, options: ClientAppOptions = {}): ClientStacksFixture {
  const configs = new Map(clientConfigsFor(options).map((c) => [c.id, c]));
  // Built on first use: every client's stacks for `app` and `stacks`; for one stack, its client's only
  // (a stack's logical ids depend on its own construct paths, not on the other stacks of the app).
  const builds: ReturnType<typeof buildClientApp>[] = [];
  const build = (extra: Record<string, unknown>) => {
    const built = buildClientApp({ ...context, ...extra }, options);
    builds.push(built);
    return built;
  };
  let whole: ReturnType<typeof buildClientApp> | undefined;
  const tree = () => (whole ??= build({}));
  const ofClient = new Map<string, ReturnType<typeof buildClientApp>>();
  const clientTree = (clientId: string) => whole ?? ofClient.get(clientId) ?? ofClient.set(clientId, build({ client: clientId })).get(clientId)!;
  const byClient = new Map<string, SynthesizedClientStack>();
  const recoveryByClient = new Map<string, SynthesizedClientStack>();
  for (const cached of templatesSharedForRun(context)) {
    const config = configs.get(cached.clientId);
    if (!config) continue; // a test client, and the file asked for the shipped ones only
    let template: Template | undefined;
    (cached.role === 'recovery' ? recoveryByClient : byClient).set(cached.clientId, {
      stackName: cached.stackName,
      get stack() {
        const stack = clientTree(cached.clientId).allStacks.find((s) => s.stackName === cached.stackName);
        if (!stack) throw new Error(`No stack ${cached.stackName} in the in-process build`);
        return stack;
      },
      config,
      get template() {
        const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
        return (template ??= Template.fromJSON(cached.template));
      },
      resources: cached.template['Resources'] as Record<string, CfnResourceJson>,
    });
  }
  return fixtureOf(tree, byClient, recoveryByClient, () => builds.forEach((b) => b.dispose()));
}

/**
 * The client stacks of this test file: synthesized once in beforeAll, removed in afterAll. Jest
 * gives every test file its own module registry, so a file is the widest scope that can share the
 * stack objects the tests read logical ids from; the handle is usable inside tests only.
 */
export function useClientStacks(context: Record<string, unknown> = {}, options: ClientAppOptions = {}): ClientStacksFixture {
  let fixture: ClientStacksFixture | undefined;
  beforeAll(() => {
    fixture = cachedClientStacks(context, options);
  });
  afterAll(() => fixture?.dispose());
  const current = (): ClientStacksFixture => {
    if (!fixture) throw new Error('The client stacks are synthesized in beforeAll: use them inside a test or hook');
    return fixture;
  };
  return {
    get app() {
      return current().app;
    },
    get stacks() {
      return current().stacks;
    },
    get byClient() {
      return current().byClient;
    },
    get: (clientId) => current().get(clientId),
    recoveryOf: (clientId) => current().recoveryOf(clientId),
    dispose: () => current().dispose(),
  };
}

/** Logical id of an L1 resource inside a stack. */
export function logicalIdOf(stack: ItsmStack, element: CfnElement): string {
  return stack.getLogicalId(element);
}

/** Logical id of the CloudFormation resource behind an L2 construct (a table, a key, a role …). */
export function idOf(stack: ItsmStack, construct: { readonly node: { readonly defaultChild?: unknown } }): string {
  return logicalIdOf(stack, construct.node.defaultChild as CfnElement);
}

export function resourcesOfType(
  resources: Readonly<Record<string, CfnResourceJson>>,
  type: string,
): [logicalId: string, resource: CfnResourceJson][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** `{ Ref: id }` → id; `{ 'Fn::GetAtt': [id, attr] }` → id; otherwise undefined. */
export function referencedId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    if ('Ref' in value && typeof (value as { Ref: unknown }).Ref === 'string') return (value as { Ref: string }).Ref;
    const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  return undefined;
}

/** Every logical id referenced (Ref or Fn::GetAtt) anywhere inside a value. */
export function referencedIds(value: unknown): Set<string> {
  const ids = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const id = referencedId(v);
      if (id) ids.add(id);
      Object.values(v).forEach(visit);
    }
  };
  visit(value);
  return ids;
}

/** The OpenAPI definition API Gateway imports: the `Body` of the stack's one REST API. */
export function restApiBodyOf(resources: Readonly<Record<string, CfnResourceJson>>): any {
  const apis = resourcesOfType(resources, 'AWS::ApiGateway::RestApi');
  expect(apis).toHaveLength(1);
  const body = apis[0]![1].Properties?.Body;
  if (!body?.paths) throw new Error(`The REST API ${apis[0]![0]} has no OpenAPI Body with paths`);
  return body;
}

export interface ApiOperation {
  readonly method: string;
  /** Path as the definition names it, e.g. /incidents/{id}. */
  readonly path: string;
  /** The OpenAPI operation, with API Gateway's extensions. */
  readonly operation: any;
}

/** Every method of the REST API, from its OpenAPI definition. */
export function apiOperationsOf(resources: Readonly<Record<string, CfnResourceJson>>): ApiOperation[] {
  const body = restApiBodyOf(resources);
  return Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([key]) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(key))
      .map(([key, operation]) => ({ method: key.toUpperCase(), path, operation })),
  );
}

/**
 * Logical ids of what an operation's Lambda proxy integration invokes: the functions' live aliases
 * (the stack invokes every function through one); with `resources`, the functions those aliases belong to.
 */
export const integratedFunctionIds = (operation: any, resources?: Readonly<Record<string, CfnResourceJson>>): string[] =>
  [...referencedIds(operation['x-amazon-apigateway-integration']?.uri)]
    .filter((id) => !id.startsWith('AWS::'))
    .map((id) => (resources ? functionOfAlias(resources, id) : id));

/** An alias's function (its FunctionName's Ref); any other logical id as it is. */
export function functionOfAlias(resources: Readonly<Record<string, CfnResourceJson>>, logicalId: string): string {
  const resource = resources[logicalId];
  return resource?.Type === 'AWS::Lambda::Alias' ? (referencedId(resource.Properties.FunctionName) ?? logicalId) : logicalId;
}

export interface PolicyStatementJson {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

export const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Statements granted to a role: its inline policies plus every AWS::IAM::Policy and
 * AWS::IAM::ManagedPolicy (defined in the template) attached to it.
 */
export function statementsOfRole(resources: Readonly<Record<string, CfnResourceJson>>, roleId: string): PolicyStatementJson[] {
  const role = resources[roleId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not an IAM role in the template`);
  const statements: PolicyStatementJson[] = [];
  for (const inline of asList<any>(role.Properties?.Policies)) statements.push(...asList<PolicyStatementJson>(inline.PolicyDocument?.Statement));
  for (const [, policy] of Object.entries(resources)) {
    if (policy.Type !== 'AWS::IAM::Policy' && policy.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const roles = asList<unknown>(policy.Properties?.Roles).map(referencedId);
    if (roles.includes(roleId)) statements.push(...asList<PolicyStatementJson>(policy.Properties.PolicyDocument?.Statement));
  }
  for (const arn of asList<unknown>(role.Properties?.ManagedPolicyArns)) {
    const managedId = referencedId(arn);
    if (managedId && resources[managedId]?.Type === 'AWS::IAM::ManagedPolicy') {
      statements.push(...asList<PolicyStatementJson>(resources[managedId]!.Properties.PolicyDocument?.Statement));
    }
  }
  return statements;
}

/** Every policy statement anywhere in the template (IAM policies, roles, key policies, resource policies). */
export function allStatements(resources: Readonly<Record<string, CfnResourceJson>>): { logicalId: string; statement: PolicyStatementJson }[] {
  const found: { logicalId: string; statement: PolicyStatementJson }[] = [];
  const visit = (logicalId: string, v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x) => visit(logicalId, x));
    else if (v && typeof v === 'object') {
      const statement = (v as { Statement?: unknown }).Statement;
      if (statement !== undefined && ('Version' in v || Array.isArray(statement))) {
        for (const s of asList(statement as PolicyStatementJson | PolicyStatementJson[])) found.push({ logicalId, statement: s });
      }
      Object.values(v).forEach((x) => visit(logicalId, x));
    }
  };
  for (const [logicalId, r] of Object.entries(resources)) visit(logicalId, r.Properties);
  return found;
}

/** The readable text of an ARN built by Fn::Join (tokens rendered as ${Id.Attr}). */
export function renderArn(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(renderArn).join(join[0]);
    const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt) return `\${${getAtt[0]}.${getAtt[1]}}`;
    const ref = (value as { Ref?: string }).Ref;
    if (ref) return `\${${ref}}`;
  }
  return JSON.stringify(value);
}

/** Every action named by the statements (NotAction is not an action list: tests check it apart). */
export const actionsOf = (statements: readonly PolicyStatementJson[]): string[] => statements.flatMap((s) => asList(s.Action));

export interface FunctionUnderTest {
  readonly logicalId: string;
  readonly fn: CfnResourceJson;
  readonly roleId: string;
  /** Everything the function's role is granted (statementsOfRole). */
  readonly statements: PolicyStatementJson[];
}

/** The one function built from a handler entry (ItsmFunction's metadata), with its role's statements. */
export function functionWithEntry(resources: Readonly<Record<string, CfnResourceJson>>, entry: string): FunctionUnderTest {
  const found = resourcesOfType(resources, 'AWS::Lambda::Function').filter(([, r]) => r.Metadata?.[ENTRY_METADATA] === entry);
  expect(found).toHaveLength(1);
  const [logicalId, fn] = found[0]!;
  const roleId = referencedId(fn.Properties.Role);
  expect(roleId).toBeDefined();
  return { logicalId, fn, roleId: roleId!, statements: statementsOfRole(resources, roleId!) };
}

/** The retention job's entry (src/modules/privacy): it reads and rewrites closed records in the incidents, changes and problems tables. */
export const RETENTION_ENTRY = 'src/modules/privacy/functions/retention-handler.ts';

/** The statements naming `tableId`, each as its sorted actions, rendered resources and condition. */
export function statementsOn(statements: readonly PolicyStatementJson[], tableId: string): { actions: string[]; resources: string[]; condition?: unknown }[] {
  return statements
    .filter((s) => referencedIds(s.Resource).has(tableId))
    .map((s) => ({ actions: asList(s.Action).sort(), resources: asList(s.Resource).map(renderArn), ...(s.Condition !== undefined && { condition: s.Condition }) }));
}

/** What the retention job may do on a table: Query the one index it finds closed records on; Query and PutItem under the records' own partition keys. */
export const retentionGrants = (tableId: string, index: string, partitions: readonly string[]) => [
  { actions: ['dynamodb:Query'], resources: [`\${${tableId}.Arn}/index/${index}`] },
  { actions: ['dynamodb:PutItem', 'dynamodb:Query'], resources: [`\${${tableId}.Arn}`], condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...partitions] } } },
];

/**
 * The once-a-day targets (rules with `rate(1 day)`, the stack's DailySchedule) that invoke
 * `functionId` through an alias of it, each with the id of its rule.
 */
export function dailyTargetsOf(resources: Readonly<Record<string, CfnResourceJson>>, functionId: string): { ruleId: string; target: any }[] {
  return resourcesOfType(resources, 'AWS::Events::Rule')
    .filter(([, r]) => r.Properties.ScheduleExpression === 'rate(1 day)')
    .flatMap(([ruleId, r]) => asList<any>(r.Properties.Targets).map((target) => ({ ruleId, target })))
    .filter(({ target }) => [...referencedIds(target.Arn)].some((id) => resources[id]?.Type === 'AWS::Lambda::Alias' && referencedId(resources[id]!.Properties.FunctionName) === functionId));
}

/**
 * Every identity policy of the template in the shape of an AWS::IAM::Policy: the AWS::IAM::Policy
 * resources as they are, and each role's inline policies (ItsmFunction's roles hold their grants
 * inline) as `[roleId, { Properties: { PolicyDocument, Roles: [{ Ref: roleId }] } }]`.
 */
export function identityPolicies(resources: Readonly<Record<string, CfnResourceJson>>): [string, CfnResourceJson][] {
  const inline = resourcesOfType(resources, 'AWS::IAM::Role').flatMap(([roleId, role]) =>
    asList<any>(role.Properties?.Policies).map((p): [string, CfnResourceJson] => [
      roleId,
      { Type: 'AWS::IAM::Policy', Properties: { PolicyName: p.PolicyName, PolicyDocument: p.PolicyDocument, Roles: [{ Ref: roleId }] } },
    ]),
  );
  return [...resourcesOfType(resources, 'AWS::IAM::Policy'), ...inline];
}

/** The roles that some identity policy grants anything on `resourceId` (once per policy). */
export function granteesOf(resources: Readonly<Record<string, CfnResourceJson>>, resourceId: string): (string | undefined)[] {
  return identityPolicies(resources)
    .filter(([, p]) => asList<PolicyStatementJson>(p.Properties.PolicyDocument.Statement).some((s) => referencedIds(s.Resource).has(resourceId)))
    .flatMap(([, p]) => asList<unknown>(p.Properties.Roles).map(referencedId));
}

/**
 * Actions granted per rendered resource ARN (`${Table.Arn}`, `${Table.Arn}/index/byX`), sorted, by
 * the statements naming `tableId`; each must Allow by Action (no NotAction). With
 * `withoutConditions`, none of them may carry a Condition either.
 */
export function grantsOn(
  statements: readonly PolicyStatementJson[],
  tableId: string,
  options: { readonly withoutConditions?: boolean } = {},
): Record<string, string[]> {
  const granted: Record<string, Set<string>> = {};
  for (const statement of statements.filter((s) => referencedIds(s.Resource).has(tableId))) {
    expect(statement.Effect).toBe('Allow');
    expect(statement.NotAction).toBeUndefined();
    if (options.withoutConditions) expect(statement.Condition).toBeUndefined();
    for (const arn of asList(statement.Resource).map(renderArn)) for (const action of asList(statement.Action)) (granted[arn] ??= new Set()).add(action);
  }
  return Object.fromEntries(Object.entries(granted).map(([arn, actions]) => [arn, [...actions].sort()]));
}

/** Key schema and indexes of a table, as its adapter key module (*-table-keys.ts) declares them. */
export interface TableKeyModule {
  readonly keys: { readonly partitionKey: string; readonly sortKey: string };
  readonly indexes: Readonly<Record<string, { readonly name: string; readonly partitionKey: string; readonly sortKey: string; readonly projection?: 'KEYS_ONLY' | 'INCLUDE'; readonly attributes?: readonly string[] }>>;
}

/** The table's key schema and global secondary indexes are exactly the key module's (projecting ALL unless it says keys only or which attributes). */
export function expectTableBuiltFrom(table: CfnResourceJson, { keys, indexes }: TableKeyModule): void {
  expect(table.Properties.KeySchema).toEqual([
    { AttributeName: keys.partitionKey, KeyType: 'HASH' },
    { AttributeName: keys.sortKey, KeyType: 'RANGE' },
  ]);
  const byName = (a: { IndexName: string }, b: { IndexName: string }) => a.IndexName.localeCompare(b.IndexName);
  expect([...table.Properties.GlobalSecondaryIndexes].sort(byName)).toEqual(
    Object.values(indexes)
      .map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        // Every attribute unless the key module says keys only, or which attributes besides them.
        Projection: { ProjectionType: index.projection ?? 'ALL', ...(index.attributes && { NonKeyAttributes: [...index.attributes] }) },
      }))
      .sort(byName),
  );
}

/** A table that is on-demand, point-in-time recoverable, deletion-protected, retained and encrypted with the given key. */
export function expectDurableTableEncryptedWith(table: CfnResourceJson, keyId: string): void {
  expect(table.Type).toBe('AWS::DynamoDB::Table');
  expect(table.Properties).toMatchObject({
    BillingMode: 'PAY_PER_REQUEST',
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    DeletionProtectionEnabled: true,
    SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
  });
  expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  expect([table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  expect(referencedIds(table.Properties.SSESpecification.KMSMasterKeyId)).toEqual(new Set([keyId]));
}

/** The logical id of the stack's client-contacts secret (`rowe-itsm/<client>/client-contacts`, test/infra/client-contacts.test.ts). */
export function clientContactsSecretIdOf(resources: Readonly<Record<string, CfnResourceJson>>): string {
  const secrets = resourcesOfType(resources, 'AWS::SecretsManager::Secret').filter(([, r]) => /^rowe-itsm\/[^/]+\/client-contacts$/.test(String(r.Properties.Name)));
  if (secrets.length !== 1) throw new Error(`Expected one client-contacts secret in the template, found ${secrets.length}`);
  return secrets[0]![0];
}

/** Whether a statement's Resource names the stack's client-contacts secret (reading the contacts). */
export const namesClientContactsSecret = (resources: Readonly<Record<string, CfnResourceJson>>, statement: PolicyStatementJson): boolean =>
  asList(statement.Resource).some((r) => referencedId(r) === clientContactsSecretIdOf(resources));
