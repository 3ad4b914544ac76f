import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretSource } from '../app/ports';

/** How long a secret is reused before it is read again: a rotated key is picked up within this. */
export const SECRET_CACHE_SECONDS = 300;

/**
 * Integration secrets from Secrets Manager through Powertools Parameters, which caches each value
 * per execution environment for `maxAge` seconds: one GetSecretValue per secret every five
 * minutes, not one per notification.
 */
export class SecretsManagerSecretSource implements SecretSource {
  private readonly provider: SecretsProvider;

  constructor(client: SecretsManagerClient, private readonly maxAgeSeconds = SECRET_CACHE_SECONDS) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  async secretString(arn: string): Promise<string> {
    const value = await this.provider.get(arn, { maxAge: this.maxAgeSeconds });
    if (typeof value !== 'string' || value.length === 0) throw new Error(`Secret ${arn} has no string value`);
    return value;
  }
}
