import { callers } from './support-events';
import { aService, seedServices } from './support-catalogue';
import { exampleSettings, incidentRoutes, startIncidentsApi, TOPICS, validIncidentBody, type IncidentsApi } from './support-handler';

/**
 * Major-incident notices go to the contacts of the incident's service, level by level, and to
 * the client's defaults where the service names none.
 */
let api: IncidentsApi;
beforeAll(async () => {
  api = await startIncidentsApi();
  await seedServices(api.tables.documents, api.tables.names.catalogue, [
    aService('payments', {
      contacts: {
        nominated: [{ name: 'Nadia Payments', email: 'nadia@example.com', phone: '+442071230050' }],
        providerNamed: { name: 'Pat Provider', email: 'pat@rowe-msp.example' },
      },
    }),
  ]);
});
afterAll(async () => {
  await api?.close();
});

const routes = incidentRoutes(() => api.handler);
type Body = Record<string, any>;

async function declareMajor(service: string): Promise<Body> {
  const created = await routes.create(validIncidentBody({ service, impact: 1, urgency: 1 }), { as: callers.agent });
  expect(created.status).toBe(201);
  const started = await routes.patch(created.body.id, { state: 'In Progress' }, { as: callers.agent, ifMatch: '"1"' });
  const major = await routes.patch(created.body.id, { major: true, majorReason: 'Card payments fail' }, { as: callers.serviceOwner, ifMatch: `"${started.body.version}"` });
  expect(major.status).toBe(200);
  return major.body;
}

const recipientsFor = async (number: string) => {
  await api.deliverEffects();
  const messages = api.messagesAbout(number).filter((m) => m.topicArn === TOPICS.majorIncident);
  expect(messages).toHaveLength(1);
  return ((messages[0]!.message as Body)['recipients'] as Body[]).map((r) => r['email']);
};

test("the service's nominated contact #1 and provider contact, the client's for the levels it leaves empty", async () => {
  const incident = await declareMajor('payments');
  const { nominated, providerBackup } = exampleSettings()['contacts'];
  expect(await recipientsFor(incident['number'])).toEqual(['nadia@example.com', nominated[1].email, nominated[2].email, 'pat@rowe-msp.example', providerBackup.email]);
});

test("a service without contacts of its own: the client's contacts", async () => {
  const incident = await declareMajor('email');
  const { nominated, providerNamed, providerBackup } = exampleSettings()['contacts'];
  expect(await recipientsFor(incident['number'])).toEqual([...nominated.map((c: Body) => c['email']), providerNamed.email, providerBackup.email]);
});
