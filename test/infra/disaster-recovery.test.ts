/**
 * Disaster recovery (issue #23, item 4), on the synthesized templates: a client with a recovery
 * region gets global tables with a replica there (same keys, every replica recoverable and
 * deletion-protected, encrypted with the recovery stack's key) and a recovery stack
 * `Itsm-<client>-dr` over the replicas, passive until promoted; a client without one keeps its
 * single-region tables under the same logical ids. The restore drill of docs/disaster-recovery.md
 * names exactly the stack's tables. (The refusal of a recovery region outside allowedRegions is in
 * client-config.test.ts, with the other refusals.)
 */
import type { CfnElement } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENTRY_METADATA } from '../../src/kernel/infra/itsm-function';
import { recoveryStackNameFor } from '../../src/stack/itsm-app';
import type { ItsmStack } from '../../src/stack/itsm-stack';
import {
  allStatements,
  asList,
  expectDurableTableEncryptedWith,
  REPO_ROOT,
  referencedId,
  renderArn,
  resourcesOfType,
  useClientStacks,
  type CfnResourceJson,
} from './infra-fixtures';

const fixture = useClientStacks({}, { testClients: true });

/** The restore drill's tables, as the runbook lists them between its markers. */
interface DrillTable {
  readonly table: string;
  readonly constructPath: string;
  readonly recoveryName: string;
}
function drillTables(): DrillTable[] {
  const doc = readFileSync(join(REPO_ROOT, 'docs/disaster-recovery.md'), 'utf8');
  const block = /<!-- restore-drill:tables:start -->([\s\S]*?)<!-- restore-drill:tables:end -->/.exec(doc)?.[1];
  if (!block) throw new Error('docs/disaster-recovery.md has no restore-drill:tables block');
  return block
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Table') && !line.startsWith('|---'))
    .map((line) => {
      const [table, constructPath, recoveryName] = line.split('|').slice(1, 4).map((cell) => cell.trim().replace(/`/g, ''));
      return { table: table!, constructPath: constructPath!, recoveryName: recoveryName! };
    });
}

/** Logical id of the resource at a construct path under the stack (e.g. Data/IncidentsTable). */
function logicalIdAt(stack: ItsmStack, constructPath: string): string {
  const construct = constructPath.split('/').reduce((node, id) => node.node.findChild(id), stack as { node: ItsmStack['node'] });
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

const dataKeyId = (resources: Readonly<Record<string, CfnResourceJson>>) => {
  // The data key (the audit chain's HMAC seal key is the other).
  const keys = resourcesOfType(resources, 'AWS::KMS::Key').filter(([id]) => id.startsWith('DataDataKey'));
  expect(keys).toHaveLength(1);
  return keys[0]![0];
};

const tableTypes = ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'];
const tablesOf = (resources: Readonly<Record<string, CfnResourceJson>>) => Object.entries(resources).filter(([, r]) => tableTypes.includes(r.Type));

test('the restore drill lists the eight tables', () => {
  expect(drillTables().map((t) => t.table)).toEqual(['incidents', 'idempotency', 'events', 'audit', 'catalogue', 'problems', 'changes', 'oncall']);
});

describe.each(['example', 'acme-us'])('%s (no recovery region)', (clientId) => {
  test("the drill's tables are exactly the stack's single-region tables, each recoverable, deletion-protected, retained and encrypted", () => {
    const { stack, resources } = fixture.get(clientId);
    const ids = drillTables().map((t) => logicalIdAt(stack, t.constructPath));
    expect(tablesOf(resources).map(([id]) => id).sort()).toEqual([...ids].sort());
    for (const id of ids) expectDurableTableEncryptedWith(resources[id]!, dataKeyId(resources));
  });

  test('no recovery stack', () => {
    expect(fixture.recoveryOf(clientId)).toBeUndefined();
    expect(fixture.app.node.tryFindChild(recoveryStackNameFor(clientId))).toBeUndefined();
  });
});

describe.each([
  ['all-options', { recoveryRegion: 'eu-west-1', promoted: false }],
  ['all-options-vpn', { recoveryRegion: 'eu-west-1', promoted: true }],
] as const)('%s (recovery region)', (clientId, { recoveryRegion, promoted }) => {
  const primary = () => fixture.get(clientId);
  const recovery = () => {
    const found = fixture.recoveryOf(clientId);
    if (!found) throw new Error(`${clientId} has no recovery stack`);
    return found;
  };
  const recoveryKeyAlias = `alias/rowe-itsm/${clientId}/data`;

  test("the drill's tables are global tables under the same logical ids as a client without recovery, with the same keys and indexes", () => {
    const { stack, resources } = primary();
    const single = fixture.get('example');
    const drill = drillTables();
    const ids = drill.map((t) => logicalIdAt(stack, t.constructPath));
    expect(ids).toEqual(drill.map((t) => logicalIdAt(single.stack, t.constructPath)));
    expect(tablesOf(resources).map(([id]) => id).sort()).toEqual([...ids].sort());
    drill.forEach((t, i) => {
      const table = resources[ids[i]!]!;
      const before = single.resources[ids[i]!]!;
      expect(table.Type).toBe('AWS::DynamoDB::GlobalTable');
      expect(table.Properties.TableName).toBe(t.recoveryName.replace('<client>', clientId));
      expect(table.Properties.KeySchema).toEqual(before.Properties.KeySchema);
      const indexes = (r: CfnResourceJson) =>
        asList<any>(r.Properties.GlobalSecondaryIndexes)
          .map((index) => ({ IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection }))
          .sort((a, b) => a.IndexName.localeCompare(b.IndexName));
      expect(indexes(table)).toEqual(indexes(before));
      expect(table.Properties.TimeToLiveSpecification).toEqual(before.Properties.TimeToLiveSpecification);
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      // Two replicas need a stream; the outbox consumer reads keys only.
      expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'KEYS_ONLY' });
      expect([table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    });
  });

  test('each table has a replica in the recovery region; every replica is recoverable, deletion-protected and encrypted with its own region\'s key', () => {
    const { resources } = primary();
    const keyId = dataKeyId(resources);
    for (const [id, table] of tablesOf(resources)) {
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      const replicas = asList<any>(table.Properties.Replicas);
      expect({ id, regions: replicas.map((r) => r.Region).sort() }).toEqual({ id, regions: ['eu-west-2', recoveryRegion].sort() });
      for (const replica of replicas) {
        expect({ id, region: replica.Region, pitr: replica.PointInTimeRecoverySpecification, deletionProtection: replica.DeletionProtectionEnabled }).toEqual({
          id,
          region: replica.Region,
          pitr: { PointInTimeRecoveryEnabled: true },
          deletionProtection: true,
        });
      }
      const home = replicas.find((r) => r.Region === 'eu-west-2');
      expect(referencedId(home.SSESpecification.KMSMasterKeyId)).toBe(keyId);
      const away = replicas.find((r) => r.Region === recoveryRegion);
      expect(renderArn(away.SSESpecification.KMSMasterKeyId)).toBe(`arn:\${AWS::Partition}:kms:${recoveryRegion}:\${AWS::AccountId}:${recoveryKeyAlias}`);
    }
  });

  test('the recovery stack is Itsm-<client>-dr in the recovery region, owns the key the replicas name (by its alias) and no table', () => {
    const { stack, resources } = recovery();
    expect(stack.stackName).toBe(recoveryStackNameFor(clientId));
    expect(stack.region).toBe(recoveryRegion);
    expect(stack.account).toBe(primary().stack.account);
    expect(tablesOf(resources)).toEqual([]);
    const keyId = dataKeyId(resources);
    expect(resources[keyId]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true } });
    const aliases = resourcesOfType(resources, 'AWS::KMS::Alias');
    expect(aliases.map(([, a]) => [a.Properties.AliasName, referencedId(a.Properties.TargetKeyId)])).toEqual([[recoveryKeyAlias, keyId]]);
  });

  test("the recovery stack's functions read the replicas: table names from the primary's global tables, grants on the recovery region's tables", () => {
    const names = new Set(tablesOf(primary().resources).map(([, t]) => t.Properties.TableName as string));
    const { resources } = recovery();
    const functions = resourcesOfType(resources, 'AWS::Lambda::Function').filter(([, f]) => f.Metadata?.[ENTRY_METADATA]);
    expect(functions.length).toBe(resourcesOfType(primary().resources, 'AWS::Lambda::Function').length);
    const tableEnv = functions.flatMap(([, f]) => Object.entries(f.Properties.Environment?.Variables ?? {}).filter(([name, value]) => /_TABLE_NAME$/.test(name) && value !== '') /* empty: a table this client's function does not use (no self-help site) */.map(([, v]) => v));
    expect(tableEnv.length).toBeGreaterThan(0);
    for (const value of tableEnv) expect(names).toContain(value);
    expect(new Set(tableEnv)).toEqual(names);
    const tableArns = allStatements(resources)
      .flatMap(({ statement }) => asList(statement.Resource).map(renderArn))
      .filter((arn) => arn.includes(':dynamodb:'));
    expect(tableArns.length).toBeGreaterThan(0);
    for (const arn of tableArns) expect(arn).toMatch(new RegExp(`^arn:(\\$\\{AWS::Partition\\}|aws):dynamodb:${recoveryRegion}:111111111111:table/(${[...names].join('|')})(/index/\\w+|/stream/.+)?$`));
  });

  test(promoted ? 'promoted: the recovery stack acts (rules on, stream consumer on the replica\'s stream) and the primary stands by' : 'passive: the recovery stack acts on nothing (rules disabled, no stream consumer before the stream is known) and the primary acts', () => {
    const rulesOf = (resources: Readonly<Record<string, CfnResourceJson>>) => resourcesOfType(resources, 'AWS::Events::Rule');
    const mappingsOf = (resources: Readonly<Record<string, CfnResourceJson>>) => resourcesOfType(resources, 'AWS::Lambda::EventSourceMapping');
    const acting = promoted ? recovery() : primary();
    const standing = promoted ? primary() : recovery();
    for (const [, rule] of rulesOf(acting.resources)) expect(rule.Properties.State).not.toBe('DISABLED');
    expect(rulesOf(standing.resources).length).toBe(rulesOf(acting.resources).length);
    for (const [id, rule] of rulesOf(standing.resources)) expect({ id, state: rule.Properties.State }).toEqual({ id, state: 'DISABLED' });
    expect(mappingsOf(acting.resources)).toHaveLength(1);
    expect(mappingsOf(acting.resources)[0]![1].Properties.Enabled).not.toBe(false);
    if (promoted) {
      expect(mappingsOf(acting.resources)[0]![1].Properties.EventSourceArn).toBe(recovery().config.recovery!.incidentsStreamArn);
      expect(mappingsOf(standing.resources).map(([, m]) => m.Properties.Enabled)).toEqual([false]);
    } else {
      expect(mappingsOf(standing.resources)).toEqual([]);
    }
  });
});
