import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientConfigError, parseClientConfig } from '../../src/config/load-client-configs';

/** integrations.servicenow is validated with the client file: a bad value names file, field and reason. */
const example = (): any => JSON.parse(readFileSync(join(__dirname, '../../clients/example.json'), 'utf8'));
const withServiceNow = (patch: Record<string, unknown>) => {
  const config = example();
  config.integrations.servicenow = { ...config.integrations.servicenow, ...patch };
  return JSON.stringify(config);
};
function problems(text: string): { field: string; reason: string }[] {
  try {
    parseClientConfig('clients/example.json', text);
  } catch (error) {
    expect(error).toBeInstanceOf(ClientConfigError);
    expect((error as Error).message).toContain('clients/example.json');
    return [...(error as ClientConfigError).problems];
  }
  throw new Error('accepted');
}

test('the example ships an out-of-the-box map, disabled', () => {
  const settings = parseClientConfig('clients/example.json', JSON.stringify(example())).integrations.servicenow!;
  expect(settings.enabled).toBe(false);
  expect(settings.states).toMatchObject({ New: '1', 'In Progress': '2', 'On Hold': '3', Resolved: '6', Closed: '7', Canceled: '8' });
  expect(settings.customFields).toEqual([{ field: 'u_users_affected', ours: 'usersAffected', direction: 'both', owner: 'servicenow' }]);
  expect(settings.poll).toEqual({ everyMinutes: 5, overlapSeconds: 120 });
});

test.each([
  [{ instanceUrl: 'http://acme.service-now.com' }, 'integrations.servicenow.instanceUrl', /https/],
  [{ auth: { type: 'basic', secretArn: 'hunter2' } }, 'integrations.servicenow.auth.secretArn', /ARN of a Secrets Manager secret/],
  [{ auth: { type: 'basic', password: 'hunter2' } }, 'integrations.servicenow.auth.password', /not a known field/],
  [{ states: { New: '1', 'In Progress': '2', 'On Hold': '3', Resolved: '6', Closed: '7' } }, 'integrations.servicenow.states.Canceled', /required/],
  [{ states: { New: '1', 'In Progress': '1', 'On Hold': '3', Resolved: '6', Closed: '7', Canceled: '8' } }, 'integrations.servicenow.states.In Progress', /ambiguous/],
  [{ customFields: [{ field: 'users_affected', ours: 'usersAffected', direction: 'both', owner: 'servicenow' }] }, 'integrations.servicenow.customFields.0.field', /u_/],
  [{ customFields: [{ field: 'u_x', ours: 'usersAffected', direction: 'sideways', owner: 'servicenow' }] }, 'integrations.servicenow.customFields.0.direction', /./],
])('%j is refused at %s', (patch, field, reason) => {
  expect(problems(withServiceNow(patch))).toEqual(expect.arrayContaining([{ field, reason: expect.stringMatching(reason) }]));
});

test('http is accepted by the file only towards the loopback (the stack refuses it outside the local runtime)', () => {
  expect(parseClientConfig('clients/example.json', withServiceNow({ instanceUrl: 'http://127.0.0.1:8123/' })).integrations.servicenow!.instanceUrl).toBe('http://127.0.0.1:8123');
});
