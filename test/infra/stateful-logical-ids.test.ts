/**
 * The logical ids of the resources that hold data or identities: the DynamoDB tables, the KMS data
 * key, the Cognito user pool and the SNS topics (subscriptions hang off them). CloudFormation
 * identifies a resource by its logical id: a changed id (a construct renamed or moved to another
 * parent) is a NEW resource and the old one is deleted or, for the retained ones, orphaned. For a
 * table that means an empty table under a new name while the data stays in the old one; for the key,
 * data nobody can decrypt with the new key; for the user pool, every person and app client gone;
 * for a topic, every subscription lost.
 *
 * The expected ids are a committed fixture (fixtures/stateful-logical-ids.json), recorded from the
 * stacks before the API moved into its OpenAPI definition, not a jest snapshot that `-u` would
 * silently rewrite. Changing an id on purpose needs a migration plan (a stack refactor or an
 * import), and then an edit of the fixture in the same review.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadClientConfigs } from '../../src/config/load-client-configs';
import { CLIENTS_DIR, resourcesOfType, useClientStacks } from './infra-fixtures';

const STATEFUL_TYPES = ['AWS::Cognito::UserPool', 'AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable', 'AWS::KMS::Key', 'AWS::SNS::Topic'] as const;
type StatefulType = (typeof STATEFUL_TYPES)[number];

const WHY: Readonly<Record<StatefulType, string>> = {
  'AWS::DynamoDB::Table': 'CloudFormation would create a new, empty table and orphan (Retain) the one holding the data',
  'AWS::DynamoDB::GlobalTable':
    'a recovery region turns the tables into global tables under the same logical ids, a change of resource type CloudFormation cannot make in place: follow "Turning it on for a client that already has data" in docs/disaster-recovery.md',
  'AWS::KMS::Key': 'CloudFormation would create a new data key: tables, logs and topics encrypted with the old one would be re-keyed or unreadable',
  'AWS::Cognito::UserPool': 'CloudFormation would create a new user pool: every user, group membership and app client secret would be gone',
  'AWS::SNS::Topic': 'CloudFormation would replace the topic: its ARN changes and every subscription (e-mail, chat, the desk) is lost',
};

const EXPECTED = JSON.parse(readFileSync(join(__dirname, 'fixtures/stateful-logical-ids.json'), 'utf8')) as Record<string, Record<StatefulType, string[]>>;

const fixture = useClientStacks();
const clientIds = loadClientConfigs(CLIENTS_DIR).map((c) => c.id);

test('every shipped client has recorded ids, and every recorded client still ships', () => {
  expect(clientIds.sort()).toEqual(Object.keys(EXPECTED).sort());
});

describe.each(clientIds)('%s', (clientId) => {
  test.each(STATEFUL_TYPES)('%s keeps its logical ids', (type) => {
    const actual = resourcesOfType(fixture.get(clientId).resources, type).map(([id]) => id).sort();
    const expected = [...(EXPECTED[clientId]?.[type] ?? [])].sort();
    const missing = expected.filter((id) => !actual.includes(id));
    const added = actual.filter((id) => !expected.includes(id));
    const problems = [
      ...missing.map((id) => `${type} ${id} is gone from the ${clientId} stack: ${WHY[type]}.`),
      ...added.map((id) => `${type} ${id} is new in the ${clientId} stack (if it replaces one above, ${WHY[type]}); a new resource on purpose is added to test/infra/fixtures/stateful-logical-ids.json.`),
    ];
    expect(problems).toEqual([]);
  });
});
