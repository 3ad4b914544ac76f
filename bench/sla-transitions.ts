import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../src/kernel/adapters/document-client';
import { DynamoDbAuditTrail } from '../src/kernel/adapters/dynamodb-audit-trail';
import { DynamoDbCatalogueRepository } from '../src/modules/catalogue/adapters/dynamodb-catalogue-repository';
import { DynamoDbIncidentRepository } from '../src/modules/incidents/adapters/dynamodb-incident-repository';
import { acknowledge, addTimelineEntry, createIncident, updateIncident, type IncidentDeps } from '../src/modules/incidents/app/incident-use-cases';
import { checkSlaClocks, slaPolicyOf, type SlaDeps } from '../src/modules/incidents/app/sla-use-cases';
import { clientSettingsSchema } from '../src/config/client-settings-schema';
import { slaRunSchema } from '../src/modules/incidents/schemas/sla-schemas';
import { runLocalExecution } from '../local/local-step-functions';
import type { CloudFormationTemplate } from '../local/synthesize-stack';
import { stateMachinesOf } from '../local/template-model';

/**
 * State transitions of the SLA workflow (what Standard workflows bill), counted by running the
 * template's own definition with aws-local-stepfunctions against DynamoDB Local, the task being
 * the SLA check use case and waits jumping a virtual clock to each deadline.
 */
export async function measureSlaTransitions(options: {
  readonly template: CloudFormationTemplate;
  readonly clientSettings: unknown;
  readonly endpoint: string;
  readonly tableNames: Readonly<Record<string, string>>;
}): Promise<Record<string, { transitions: number; notifications: number }>> {
  const settings = clientSettingsSchema.parse(options.clientSettings);
  const [machine] = stateMachinesOf(options.template, 'eu-west-2');
  if (!machine) throw new Error('The template has no state machine');
  const client = new DynamoDBClient({ endpoint: options.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const documents = createDocumentClient(client);
  const table = (prefix: string) => Object.values(options.tableNames).find((n) => n.startsWith(prefix))!;
  let now = Date.parse('2026-11-24T10:00:00Z');
  const clock = { now: () => new Date(now) };
  // The checks store their notices as outbox effects (delivered by the outbox consumer): counted from their results.
  let sent = 0;
  const audit = new DynamoDbAuditTrail(documents, table('DataAuditTable'), { clock, ids: { newId: () => randomUUID() } });
  const incidents = new DynamoDbIncidentRepository(documents, table('DataIncidentsTable'), audit);
  const services = new DynamoDbCatalogueRepository(documents, table('DataCatalogueTable'));
  const at = new Date(now).toISOString();
  await services.createService({
    id: 'sla-bench', name: 'SLA bench', description: 'SLA transitions benchmark', owner: { username: 'bench', name: 'Bench', email: 'bench@example.com' },
    status: 'live', commencementDate: '2026-01-01', sla: { reference: 'bench' }, links: [], contacts: { nominated: [] },
    createdAt: at, createdBy: 'bench', updatedAt: at, updatedBy: 'bench', version: 1,
  });
  const incidentDeps: IncidentDeps = {
    incidents, services, audit, clock,
    ids: { newId: () => randomUUID() },
    rules: { matrix: settings.priorityMatrix, ...settings.priorityThresholds },
    settings: { clientId: settings.id, autoCloseAfter: settings.autoCloseAfter, contacts: settings.contacts },
  };
  const slaDeps: SlaDeps = { incidents, services, clock, policy: slaPolicyOf(settings), clientId: settings.id, contacts: settings.contacts };
  const agent = { id: 'bench-agent', name: 'bench.agent', roles: ['agent' as const] };

  const run = async (scenario: (id: string, start: number) => { at: number; act: () => Promise<unknown> }[]) => {
    const start = now;
    const incident = await createIncident(incidentDeps, agent, {
      shortDescription: 'SLA bench', description: 'P1', impact: 1, urgency: 1, service: 'sla-bench', category: 'software',
    } as never);
    const actions = scenario(incident.id, start);
    const before = sent;
    let pending: string | undefined;
    const result = await runLocalExecution({
      machine,
      input: { incidentId: incident.id, generation: 1 },
      invoke: async (_fn, payload) => {
        if (pending) {
          const until = Date.parse(pending);
          while (actions.length > 0 && actions[0]!.at <= until) {
            const action = actions.shift()!;
            now = Math.max(now, action.at);
            await action.act();
          }
          now = Math.max(now, until);
        }
        const checked = await checkSlaClocks(slaDeps, slaRunSchema.parse(payload));
        sent += checked.sent.length;
        return checked;
      },
      waitMs: (timestamp) => {
        pending = timestamp;
        return 0;
      },
    }).result;
    if (result.status !== 'SUCCEEDED') throw new Error(`SLA workflow ${result.status}: ${result.error}`);
    now += 86_400_000;
    return { transitions: result.transitions, notifications: sent - before };
  };

  const minutes = (m: number) => m * 60_000;
  const figures = {
    'P1 acknowledged, answered and resolved in time': await run((id, start) => [
      { at: start + minutes(5), act: () => acknowledge(incidentDeps, agent, id) },
      { at: start + minutes(10), act: () => addTimelineEntry(incidentDeps, agent, id, { type: 'comment', text: 'On it' }) },
      {
        at: start + minutes(60),
        act: async () => {
          const current = (await incidents.get(id))!;
          const working = await updateIncident(incidentDeps, agent, id, { state: 'In Progress' }, current.version);
          return updateIncident(incidentDeps, agent, id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Fixed' }, working.version);
        },
      },
    ]),
    'P1 ignored: breaches and escalates through every level and reminder': await run(() => []),
  };
  client.destroy();
  return figures;
}
