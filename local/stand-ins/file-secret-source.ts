import { readFile } from 'node:fs/promises';
import type { SecretSource } from '../../src/kernel/app/ports';

/**
 * Secret values from a JSON file, `{ "<secret arn>": "<SecretString>" }`, in place of Secrets
 * Manager: the local runtime writes there the SecretString of each secret the synthesized template
 * defines with a value (the client-contacts secret), under the ARN its functions are told. Read on
 * every lookup, so what it serves is the template's as of the last start. An ARN the file does not
 * hold is an error naming it, as Secrets Manager's ResourceNotFound would be.
 */
export class FileSecretSource implements SecretSource {
  constructor(private readonly path: string) {}

  async secretString(arn: string): Promise<string> {
    const all: unknown = JSON.parse(await readFile(this.path, 'utf8'));
    if (typeof all !== 'object' || all === null || Array.isArray(all)) throw new Error(`${this.path}: expected an object of secret ARN → SecretString`);
    const value = Object.hasOwn(all, arn) ? (all as Record<string, unknown>)[arn] : undefined;
    if (typeof value !== 'string' || value.length === 0) throw new Error(`Secret ${arn} has no string value in ${this.path}`);
    return value;
  }
}
