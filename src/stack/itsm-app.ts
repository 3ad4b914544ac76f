import type { App } from 'aws-cdk-lib';
import type { ClientConfig } from '../config/client-config-schema';
import { ItsmStack } from './itsm-stack';

/** `-c client=<id>` names a client that has no file; reported without a stack trace. */
export class UnknownClientError extends Error {
  constructor(selected: string, known: readonly string[]) {
    super(`No client "${selected}" among the client files; known clients: ${known.join(', ')}`);
    this.name = 'UnknownClientError';
  }
}

export const stackNameFor = (clientId: string) => `Itsm-${clientId}`;
/** The client's recovery stack, in its recovery region. */
export const recoveryStackNameFor = (clientId: string) => `Itsm-${clientId}-dr`;

/** A client's stacks: the primary one, and the recovery one when the client names a recovery region. */
export interface ClientStacks {
  readonly primary: ItsmStack;
  readonly recovery?: ItsmStack;
}

/**
 * Adds one stack per client to the app; `-c client=<id>` (context `client`) keeps only that one.
 * Throws when the requested client has no file, naming the ones that exist. Returns the primary
 * stacks; a client with a recovery region also gets `Itsm-<client>-dr` there (recoveryStacksOf).
 */
export function addClientStacks(app: App, configs: readonly ClientConfig[]): ItsmStack[] {
  return addClientStackPairs(app, configs).map((pair) => pair.primary);
}

/** addClientStacks, with each client's recovery stack beside its primary one. */
export function addClientStackPairs(app: App, configs: readonly ClientConfig[]): ClientStacks[] {
  const selected = app.node.tryGetContext('client') as string | undefined;
  const chosen = selected ? configs.filter((c) => c.id === selected) : configs;
  if (selected && chosen.length === 0) {
    throw new UnknownClientError(selected, configs.map((c) => c.id));
  }
  return chosen.map((config) => {
    const primary = new ItsmStack(app, stackNameFor(config.id), { config, stackName: stackNameFor(config.id) });
    if (!config.recovery) return { primary };
    const name = recoveryStackNameFor(config.id);
    return { primary, recovery: new ItsmStack(app, name, { config, stackName: name, role: 'recovery' }) };
  });
}
