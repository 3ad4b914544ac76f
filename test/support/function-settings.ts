import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterOverride, overrideAdapter } from '../../src/kernel/runtime/adapter-overrides';
import { CLIENT_CONTACTS_SECRETS } from '../../src/platform/client-contacts';
import { ENV } from '../../src/platform/environment-contract';
import { FileSecretSource } from '../../local/stand-ins/file-secret-source';

/**
 * A function's client settings for a test that loads handlers in-process, split the way the stack
 * splits them: the settings without the contacts as ITSM_CLIENT_SETTINGS, and the contacts as the
 * value of a client-contacts secret, served by the local runtime's stand-in for Secrets Manager
 * (FileSecretSource over this process's secrets file, registered on first use, as the local
 * worker registers it before loading a handler). The same contacts get the same secret ARN.
 */
export function functionSettingsEnv(settings: Record<string, unknown>): Record<typeof ENV.clientSettings | typeof ENV.clientContactsSecret, string> {
  const { contacts, ...rest } = settings;
  const json = JSON.stringify(contacts ?? null);
  const arn = `arn:aws:secretsmanager:eu-west-2:000000000000:secret:test-client-contacts-${createHash('sha256').update(json).digest('hex').slice(0, 16)}`;
  const file = testSecretsFile();
  if (contacts !== undefined) {
    const values = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
    if (values[arn] !== json) writeFileSync(file, JSON.stringify({ ...values, [arn]: json }));
  }
  if (!adapterOverride(CLIENT_CONTACTS_SECRETS)) overrideAdapter(CLIENT_CONTACTS_SECRETS, new FileSecretSource(file));
  return { [ENV.clientSettings]: JSON.stringify(rest), [ENV.clientContactsSecret]: arn } as Record<typeof ENV.clientSettings | typeof ENV.clientContactsSecret, string>;
}

/** This test process's secrets file, in the run's scratch folder when there is one. */
function testSecretsFile(): string {
  return join(process.env['ITSM_TEST_RUN_DIR'] ?? tmpdir(), `client-contacts-${process.pid}.json`);
}
