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

/**
 * Adds one stack per client to the app; `-c client=<id>` (context `client`) keeps only that one.
 * Throws when the requested client has no file, naming the ones that exist.
 */
export function addClientStacks(app: App, configs: readonly ClientConfig[]): ItsmStack[] {
  const selected = app.node.tryGetContext('client') as string | undefined;
  const chosen = selected ? configs.filter((c) => c.id === selected) : configs;
  if (selected && chosen.length === 0) {
    throw new UnknownClientError(selected, configs.map((c) => c.id));
  }
  return chosen.map((config) => new ItsmStack(app, stackNameFor(config.id), { config, stackName: stackNameFor(config.id) }));
}
