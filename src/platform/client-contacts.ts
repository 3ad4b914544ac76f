import type { Tracer } from '@aws-lambda-powertools/tracer';
import { contactsSchema, type ClientContacts } from '../config/client-settings-schema';
import type { SecretSource } from '../kernel/app/ports';
import { adapterKey, adapterOverride } from '../kernel/runtime/adapter-overrides';
import { lazily } from '../kernel/runtime/lazy-factory';

export type { ClientContacts } from '../config/client-settings-schema';

/**
 * The client's contacts (nominated contacts, service owner, provider contacts, security contacts):
 * personal data, so they are not in any function's environment (which every published version
 * keeps) but in the stack's one client-contacts secret (docs/security.md, "Personal data").
 */
export interface ClientContactsSource {
  contacts(): Promise<ClientContacts>;
}

/**
 * Where the contacts secret is read from in place of Secrets Manager: the local runtime's
 * stand-in serves the SecretString of the template's own secret (local/stand-ins).
 */
export const CLIENT_CONTACTS_SECRETS = adapterKey<SecretSource>('platform/client-contacts-secrets');

/**
 * Reads the contacts secret through a secret source (cached per container: SecretsManagerSecretSource
 * reads it again after five minutes, so a deploy that replaces the value is picked up within that)
 * and checks it against the client config's contacts schema. The same value gives the same object,
 * so what a function builds from the contacts is rebuilt only when they change.
 */
export class SecretClientContacts implements ClientContactsSource {
  private last: { readonly value: string; readonly contacts: ClientContacts } | undefined;

  constructor(private readonly options: { readonly secrets: SecretSource; readonly secretArn: string }) {}

  async contacts(): Promise<ClientContacts> {
    const { secretArn } = this.options;
    const value = await this.options.secrets.secretString(secretArn);
    if (this.last?.value === value) return this.last.contacts;
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      throw new Error(`The client contacts secret ${secretArn} is not JSON: the stack writes the client file's contacts there`);
    }
    const parsed = contactsSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ');
      throw new Error(`The client contacts secret ${secretArn} is invalid: ${issues}`);
    }
    this.last = { value, contacts: parsed.data };
    return parsed.data;
  }
}

/**
 * The contacts of a function given the secret's ARN (its environment contract's
 * `clientContactsSecret`). The Secrets Manager client (and its SDK module) is created on the first
 * read; a registered stand-in (local runtime) replaces it. The override is looked up now, at cold start.
 */
export function createClientContactsSource(options: { readonly secretArn: string; readonly tracer: Tracer }): ClientContactsSource {
  const override = adapterOverride(CLIENT_CONTACTS_SECRETS);
  const source = lazily(async () => {
    if (override) return new SecretClientContacts({ secrets: override, secretArn: options.secretArn });
    const { createSecretSource } = await import('./on-demand/secrets-manager-client');
    return new SecretClientContacts({ secrets: createSecretSource(options.tracer), secretArn: options.secretArn });
  });
  return { contacts: async () => (await source()).contacts() };
}

/**
 * What a function builds from the contacts (its use cases' deps), built on the first use and again
 * only when the contacts change: the use cases keep receiving plain contact objects. Called at
 * the start of each invocation, before a use case needs them.
 */
export function builtFromContacts<T>(source: ClientContactsSource, build: (contacts: ClientContacts) => T): () => Promise<T> {
  let last: { readonly contacts: ClientContacts; readonly built: T } | undefined;
  return async () => {
    const contacts = await source.contacts();
    if (last?.contacts !== contacts) last = { contacts, built: build(contacts) };
    return last.built;
  };
}
