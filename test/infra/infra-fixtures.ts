/**
 * Shared fixtures for the infrastructure tests: builds the client stacks exactly as bin/itsm.ts
 * does (one per clients/*.json), with bundling and the built-in CloudFormation validation skipped
 * so a file synthesizes in about a second. synth-validation.test.ts keeps the validation on.
 */
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadClientConfigs } from '../../lib/config/load-client-configs';
import type { ClientConfig } from '../../lib/config/client-config-schema';
import { addClientStacks } from '../../lib/itsm-app';
import type { ItsmStack } from '../../lib/itsm-stack';

export const REPO_ROOT = resolve(__dirname, '../..');
export const CLIENTS_DIR = join(REPO_ROOT, 'clients');

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
  dispose(): void;
}

/** Builds every client stack (or only `context.client`) into a temporary cloud assembly. */
export function buildClientApp(context: Record<string, unknown> = {}): { app: App; stacks: ItsmStack[]; dispose(): void } {
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-infra-test-'));
  const app = new App({
    outdir,
    context: { ...FAST_SYNTH_CONTEXT, ...context },
    builtinCloudFormationValidation: false,
  });
  const stacks = addClientStacks(app, loadClientConfigs(CLIENTS_DIR));
  return { app, stacks, dispose: () => rmSync(outdir, { recursive: true, force: true }) };
}

export function synthesizeClientStacks(context: Record<string, unknown> = {}): ClientStacksFixture {
  const { app, stacks, dispose } = buildClientApp(context);
  const byClient = new Map<string, SynthesizedClientStack>();
  for (const stack of stacks) {
    const template = Template.fromStack(stack);
    byClient.set(stack.config.id, {
      stack,
      config: stack.config,
      template,
      resources: template.toJSON()['Resources'] as Record<string, CfnResourceJson>,
    });
  }
  return {
    app,
    stacks,
    byClient,
    get(clientId) {
      const found = byClient.get(clientId);
      if (!found) throw new Error(`No synthesized stack for client ${clientId}; have ${[...byClient.keys()].join(', ')}`);
      return found;
    },
    dispose,
  };
}

/** Logical id of an L1 resource inside a stack. */
export function logicalIdOf(stack: ItsmStack, element: CfnElement): string {
  return stack.getLogicalId(element);
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

export interface TemplateMethod {
  readonly logicalId: string;
  readonly method: string;
  /** Resource path rebuilt from PathPart/ParentId, e.g. /incidents/{id}. */
  readonly path: string;
  readonly properties: any;
}

/** All API Gateway methods with their full resource paths, rebuilt from the resource tree. */
export function apiMethodsOf(resources: Readonly<Record<string, CfnResourceJson>>): TemplateMethod[] {
  const pathOf = (resourceId: unknown): string => {
    const id = referencedId(resourceId);
    if (!id) throw new Error(`Unexpected ResourceId ${JSON.stringify(resourceId)}`);
    const resource = resources[id];
    if (!resource) throw new Error(`ResourceId references missing resource ${id}`);
    // The root resource is referenced as Fn::GetAtt [RestApi, RootResourceId].
    if (resource.Type === 'AWS::ApiGateway::RestApi') return '';
    if (resource.Type !== 'AWS::ApiGateway::Resource') throw new Error(`${id} is a ${resource.Type}, not an API resource`);
    return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
  };
  return resourcesOfType(resources, 'AWS::ApiGateway::Method').map(([logicalId, r]) => ({
    logicalId,
    method: r.Properties.HttpMethod as string,
    path: pathOf(r.Properties.ResourceId) || '/',
    properties: r.Properties,
  }));
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
