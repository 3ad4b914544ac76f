import { SecretClientContacts, builtFromContacts } from '../../src/platform/client-contacts';
import type { SecretSource } from '../../src/kernel/app/ports';

const ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:rowe-itsm/example/client-contacts-AbCdEf';
const person = (n: string) => ({ name: `Person ${n}`, email: `${n}@client.example` });
const CONTACTS = { nominated: [person('one')], serviceOwner: person('owner'), providerNamed: { ...person('named'), phone: '+442071234567' }, providerBackup: person('backup') };

/** The secret's value as Secrets Manager would answer it; `value` can be changed between reads (a deploy). */
const secretHolding = (initial: string) => {
  const source = { value: initial, reads: 0 };
  const secrets: SecretSource = {
    secretString: async (arn) => {
      source.reads++;
      if (arn !== ARN) throw new Error(`ResourceNotFoundException: ${arn}`);
      return source.value;
    },
  };
  return { source, contacts: new SecretClientContacts({ secrets, secretArn: ARN }) };
};

test('reads the contacts the secret holds, checked by the client config schema', async () => {
  const { contacts } = secretHolding(JSON.stringify(CONTACTS));
  expect(await contacts.contacts()).toEqual(CONTACTS);
});

test.each([
  ['not JSON', 'name: Person one', /client contacts secret .*client-contacts-AbCdEf is not JSON/],
  ['without nominated contact #1', JSON.stringify({ ...CONTACTS, nominated: [] }), /is invalid: nominated: must list at least nominated contact #1/],
  ['with a bad e-mail', JSON.stringify({ ...CONTACTS, serviceOwner: { name: 'X', email: 'x' } }), /is invalid: serviceOwner\.email/],
  ['with a field the schema does not know', JSON.stringify({ ...CONTACTS, manager: person('m') }), /is invalid: .*manager/],
  ['a JSON string, not the object', JSON.stringify('contacts'), /is invalid: \(value\)/],
])('refuses a value %s, naming the secret', async (_case, value, message) => {
  const { contacts } = secretHolding(value);
  await expect(contacts.contacts()).rejects.toThrow(message);
});

test('the same value gives the same object; a replaced value is read and built from again', async () => {
  const { source, contacts } = secretHolding(JSON.stringify(CONTACTS));
  const built: string[] = [];
  const deps = builtFromContacts(contacts, (c) => {
    built.push(c.nominated[0]!.email);
    return { escalateTo: c.nominated[0]!.email };
  });
  const first = await deps();
  expect(await deps()).toBe(first);
  // A deploy replaced the value (the person erased): the next read builds from the new contacts.
  source.value = JSON.stringify({ ...CONTACTS, nominated: [person('two')] });
  expect(await deps()).toEqual({ escalateTo: 'two@client.example' });
  expect(built).toEqual(['one@client.example', 'two@client.example']);
  expect(source.reads).toBe(3);
});
