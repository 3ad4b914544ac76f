/**
 * The client's contacts are personal data: they live in one Secrets Manager secret per client
 * stack, encrypted with the stack's data key, readable by the functions that name contacts only,
 * and in no function's environment (which every published version keeps and
 * lambda:GetFunctionConfiguration shows). docs/security.md, "Personal data".
 */
import { unpackSettings } from '../../src/config/packed-settings';
import { contactsSchema, type ClientContacts } from '../../src/config/client-settings-schema';
import type { ClientConfig } from '../../src/config/client-config-schema';
import { ENTRY_METADATA } from '../../src/kernel/infra/itsm-function';
import { ENV } from '../../src/platform/environment-contract';
import { SecretClientContacts } from '../../src/platform/client-contacts';
import { localReferences, resolveEnvironment, secretValuesOf } from '../../local/template-model';
import { FileSecretSource } from '../../local/stand-ins/file-secret-source';
import type { CloudFormationTemplate } from '../../local/synthesize-stack';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  allStatements,
  asList,
  clientConfigsFor,
  clientContactsSecretIdOf,
  referencedId,
  resourcesOfType,
  statementsOfRole,
  useClientStacks,
  type CfnResourceJson,
  type PolicyStatementJson,
  type SynthesizedClientStack,
  HANDLER_ENTRIES,
} from './infra-fixtures';

const fixture = useClientStacks({}, { testClients: true });
const clientIds = clientConfigsFor({ testClients: true }).map((c) => c.id);

const OUTBOX = [HANDLER_ENTRIES.outboxConsumer, HANDLER_ENTRIES.outboxReconciler];

/** The functions that name contacts, for this client: the ServiceNow exchange's and the site's rebuilders only where the client has them. */
const readersOf = (config: ClientConfig): string[] =>
  [HANDLER_ENTRIES.incidents, HANDLER_ENTRIES.slaClock, HANDLER_ENTRIES.autoClose, HANDLER_ENTRIES.eventIngestion, HANDLER_ENTRIES.oncall, ...(config.integrations.servicenow?.enabled ? [HANDLER_ENTRIES.servicenow] : []), ...(config.selfHelp.site.enabled ? OUTBOX : [])].sort();

const contactsSecretOf = (resources: Readonly<Record<string, CfnResourceJson>>): [string, CfnResourceJson] => {
  const secretId = clientContactsSecretIdOf(resources);
  return [secretId, resources[secretId]!];
};

const namesSecret = (value: unknown, secretId: string): boolean => asList(value).some((v) => referencedId(v) === secretId);

/** Every contact's e-mail and phone: none may appear in any function's environment. */
const personalValuesOf = (contacts: ClientContacts): string[] =>
  [...contacts.nominated, contacts.serviceOwner, contacts.providerNamed, contacts.providerBackup, contacts.security, contacts.informationSecurityManager]
    .flatMap((c) => (c ? [c.email, ...(c.phone ? [c.phone] : [])] : []));

/** A function's environment as its code sees it: the packed client settings unpacked. */
const environmentText = (fn: CfnResourceJson): string => {
  const variables = { ...(fn.Properties.Environment?.Variables ?? {}) } as Record<string, unknown>;
  const settings = variables[ENV.clientSettings];
  if (typeof settings === 'string') variables[ENV.clientSettings] = unpackSettings(settings);
  return JSON.stringify(variables);
};

/** The client's stacks, its recovery stack included, each with its region. */
const stacksOf = (clientId: string): (SynthesizedClientStack & { readonly region: string })[] => {
  const primary = fixture.get(clientId);
  const recovery = fixture.recoveryOf(clientId);
  return [{ ...primary, region: primary.config.region }, ...(recovery ? [{ ...recovery, region: recovery.config.recovery!.region }] : [])];
};

describe.each(clientIds)('%s', (clientId) => {
  test('one secret holds the contacts of the client file, encrypted with the data key', () => {
    for (const { resources, config } of stacksOf(clientId)) {
      const [, secret] = contactsSecretOf(resources);
      expect(secret.Properties.Name).toBe(`rowe-itsm/${config.id}/client-contacts`);
      const keyId = referencedId(secret.Properties.KmsKeyId);
      expect(resources[keyId!]?.Type).toBe('AWS::KMS::Key');
      expect(resources[keyId!]?.Properties.EnableKeyRotation).toBe(true);
      expect(contactsSchema.parse(JSON.parse(secret.Properties.SecretString))).toEqual(contactsSchema.parse(config.contacts));
    }
  });

  test('only the functions that name contacts may read it: GetSecretValue on it, kms:Decrypt only through Secrets Manager for it', () => {
    for (const { resources, config, region } of stacksOf(clientId)) {
      const [secretId] = contactsSecretOf(resources);
      const readers: string[] = [];
      for (const [, fn] of resourcesOfType(resources, 'AWS::Lambda::Function')) {
        const statements = statementsOfRole(resources, referencedId(fn.Properties.Role)!);
        const onSecret = statements.filter((s) => namesSecret(s.Resource, secretId));
        if (onSecret.length === 0) continue;
        readers.push(fn.Metadata?.[ENTRY_METADATA] as string);
        expect(onSecret).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } }]);
        const decrypt = statements.filter((s) => JSON.stringify(s.Condition ?? {}).includes(secretId));
        expect(decrypt).toEqual([
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: { 'Fn::GetAtt': [referencedId(resources[secretId]!.Properties.KmsKeyId), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': { Ref: secretId } } },
          },
        ]);
      }
      expect(readers.sort()).toEqual(readersOf(config));
      // Nothing else in the template grants anything on the secret, nor any Secrets Manager action on every secret.
      const elsewhere = allStatements(resources).filter(({ statement }) => namesSecret(statement.Resource, secretId) || isWildcardSecretsGrant(statement));
      expect(elsewhere.length).toBe(readers.length);
    }
  });

  test("no function's environment holds a contact's e-mail or phone", () => {
    for (const { resources, config } of stacksOf(clientId)) {
      const personal = personalValuesOf(contactsSchema.parse(config.contacts));
      expect(personal.length).toBeGreaterThan(3);
      const functions = resourcesOfType(resources, 'AWS::Lambda::Function');
      expect(functions.length).toBeGreaterThan(10);
      const leaks = functions.flatMap(([logicalId, fn]) => {
        const text = environmentText(fn);
        return personal.filter((value) => text.includes(value)).map((value) => `${logicalId}: ${value}`);
      });
      expect(leaks).toEqual([]);
    }
  });
});

const isWildcardSecretsGrant = (statement: PolicyStatementJson): boolean =>
  asList(statement.Action).some((a) => a === '*' || a === 'secretsmanager:*') && asList(statement.Resource).some((r) => r === '*');

test('the scan would see a contact in an environment (the packed settings are unpacked)', () => {
  const { resources, config } = fixture.get('example');
  const [, fn] = resourcesOfType(resources, 'AWS::Lambda::Function').find(([, r]) => r.Metadata?.[ENTRY_METADATA] === HANDLER_ENTRIES.incidents)!;
  const email = config.contacts.providerNamed.email;
  const { packSettings } = require('../../src/config/packed-settings') as typeof import('../../src/config/packed-settings');
  const leaking = { ...fn, Properties: { ...fn.Properties, Environment: { Variables: { ...fn.Properties.Environment.Variables, [ENV.clientSettings]: packSettings(JSON.stringify({ contacts: config.contacts })) } } } };
  expect(environmentText(leaking)).toContain(email);
  expect(environmentText(fn)).not.toContain(email);
});

test("locally, every reader's secret resolves to the template's own value, served by the stand-in through the same adapter", async () => {
  const { resources, config } = fixture.get('example');
  const template = { Resources: resources } as unknown as CloudFormationTemplate;
  const values = secretValuesOf(template, config.region);
  const refs = localReferences(template, config.region);
  const dir = mkdtempSync(join(tmpdir(), 'itsm-local-secrets-'));
  try {
    const file = join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify(values));
    const readers = resourcesOfType(resources, 'AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Environment?.Variables?.[ENV.clientContactsSecret] !== undefined);
    expect(readers.length).toBeGreaterThanOrEqual(readersOf(config).length);
    for (const [, fn] of readers) {
      const arn = resolveEnvironment(fn.Properties.Environment.Variables, refs).values[ENV.clientContactsSecret];
      if (arn === '') continue; // a reader of the option the client does not have (the ServiceNow exchange)
      expect(Object.keys(values)).toContain(arn);
      const contacts = await new SecretClientContacts({ secrets: new FileSecretSource(file), secretArn: arn! }).contacts();
      expect(contacts).toEqual(contactsSchema.parse(config.contacts));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
