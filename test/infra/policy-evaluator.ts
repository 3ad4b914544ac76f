/**
 * A small evaluator of the synthesized IAM statements, to try a request as a role would make it:
 * action, resource and request context (condition keys). Enough of IAM's logic for this project's
 * policies: Allow/Deny, Action/Resource with `*` and `?` wildcards (case-insensitive actions), and
 * the condition operators StringEquals and StringLike with `ForAllValues:`/`ForAnyValue:` and
 * `IfExists`. Any other operator, NotAction, NotResource or NotPrincipal throws, so a policy this
 * cannot read fails the test instead of passing it.
 */
import { asList, renderArn, type PolicyStatementJson } from './infra-fixtures';

export interface IamRequest {
  readonly action: string;
  /** The resource as the template renders it, e.g. `${AuditTable.Arn}`. */
  readonly resource: string;
  /** Condition keys of the request; an absent key is absent from the request. */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type IamDecision = 'allowed' | 'explicitly denied' | 'implicitly denied';

const wildcard = (pattern: string, flags = '') =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);

export function evaluate(statements: readonly PolicyStatementJson[], request: IamRequest): IamDecision {
  let allowed = false;
  for (const statement of statements) {
    for (const unsupported of ['NotAction', 'NotResource', 'NotPrincipal']) {
      if (unsupported in statement) throw new Error(`The evaluator does not read ${unsupported}`);
    }
    if (!applies(statement, request)) continue;
    if (statement.Effect === 'Deny') return 'explicitly denied';
    allowed = true;
  }
  return allowed ? 'allowed' : 'implicitly denied';
}

function applies(statement: PolicyStatementJson, request: IamRequest): boolean {
  if (!asList(statement.Action).some((pattern) => wildcard(pattern, 'i').test(request.action))) return false;
  if (!asList(statement.Resource as unknown).some((resource) => wildcard(renderArn(resource)).test(request.resource))) return false;
  const conditions = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(conditions).every(([operator, keys]) => Object.entries(keys).every(([key, values]) => holds(operator, asList(values as string | string[]), request.context?.[key])));
}

function holds(operator: string, policyValues: readonly string[], contextValue: string | readonly string[] | undefined): boolean {
  const match = /^(ForAllValues:|ForAnyValue:)?(StringEquals|StringLike)(IfExists)?$/.exec(operator);
  if (!match) throw new Error(`The evaluator does not read the condition operator ${operator}`);
  const [, set, test, ifExists] = match;
  const matches = (value: string) => policyValues.some((p) => (test === 'StringLike' ? wildcard(p).test(value) : p === value));
  const values = contextValue === undefined ? [] : asList(contextValue as string | string[]);
  if (set === 'ForAllValues:') return values.every(matches);
  if (set === 'ForAnyValue:') return values.some(matches);
  if (contextValue === undefined) return ifExists !== undefined;
  return values.some(matches);
}
