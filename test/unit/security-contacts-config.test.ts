import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClientConfig } from '../../src/config/load-client-configs';

/** The provider's Information Security Manager in a client file (README "Security incidents"): required, and a real contact. */
const example = JSON.parse(readFileSync(join(__dirname, '../../clients/example.json'), 'utf8'));
const withContacts = (contacts: Record<string, unknown>) => JSON.stringify({ ...example, contacts });

test('a client file names the ISM: it parses, and the functions get the contact', () => {
  expect(parseClientConfig('clients/example.json', JSON.stringify(example)).contacts.informationSecurityManager).toMatchObject({ name: 'Jordan Lee', email: 'ism@rowe-msp.example' });
});

test('a client file without an ISM fails synth naming the file, the field and the reason', () => {
  const { informationSecurityManager: _ism, ...contacts } = example.contacts;
  expect(() => parseClientConfig('clients/example.json', withContacts(contacts))).toThrow(
    /Invalid client configuration clients\/example\.json:\n {2}- contacts\.informationSecurityManager: is required: the provider's Information Security Manager is told of every security incident/,
  );
});

test('an ISM that is not a contact (bad e-mail, bad phone) fails naming the field', () => {
  const contacts = { ...example.contacts, informationSecurityManager: { name: 'Jordan Lee', email: 'jordan', phone: '0207' } };
  expect(() => parseClientConfig('clients/example.json', withContacts(contacts))).toThrow(/contacts\.informationSecurityManager\.email[\s\S]*contacts\.informationSecurityManager\.phone/);
});
