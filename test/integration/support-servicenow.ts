import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { overrideAdapter } from '../../src/kernel/runtime/adapter-overrides';
import { SERVICENOW_SECRETS } from '../../src/modules/servicenow/functions/adapter-keys';
import { DEFAULT_SLA_DEFINITIONS, ServiceNowFake } from '../support/servicenow-fake';
import { INCIDENT_TEST_SERVICES, seedServices } from './support-catalogue';
import { apiEvent, invoke, lambdaContext, type ApiResponse, type ProxyHandler, type RequestOptions, type TestCaller } from './support-events';
import { exampleSettings, startFunctionEnvironment, type FunctionEnvironment } from './support-handler';
import { loadOutboxConsumer, outboxDrain, type OutboxDrain } from './support-outbox';
import { functionSettingsEnv } from '../support/function-settings';

export const WEBHOOK_SECRET = 'business-rule-signing-key';
/** The client's kb_knowledge_base and kb_category (sys_ids) articles are published to, read by their signed-in users. */
export const KNOWLEDGE_BASE = { knowledgeBase: 'a7e8a78bff0221009b20ffffffffff17', category: 'c1a2b3c4d5e6f708192a3b4c5d6e7f80', access: 'client' } as const;

/**
 * The exchange end to end in one process: the incidents, servicenow and outbox consumer entries
 * loaded as Lambda loads them over DynamoDB Local, the example client with its ServiceNow map
 * enabled against the stateful fake, and the fake's business rule calling the servicenow
 * function through a loopback HTTP server that hands each call over as API Gateway would.
 */
export interface ServiceNowExchange {
  readonly fake: ServiceNowFake;
  readonly environment: FunctionEnvironment;
  /** The client settings the functions run with (the example client, its ServiceNow map enabled against the fake). */
  readonly settings: Record<string, unknown>;
  readonly incidents: ProxyHandler;
  /** The changes function: the client approves every change there (changes.clientApproval: all classes). */
  readonly changes: ProxyHandler;
  /** The problems function: knowledge articles are published to the client's knowledge base there (KNOWLEDGE_BASE). */
  readonly problems: ProxyHandler;
  readonly servicenow: (event: unknown, context: unknown) => Promise<any>;
  readonly effects: OutboxDrain;
  /** Delivers effects and business-rule calls until neither side has anything left in flight. */
  quiesce(): Promise<void>;
  /** Runs the reconciliation poll, as its schedule does. */
  poll(): Promise<any>;
  api(method: string, options: RequestOptions & { readonly caller?: TestCaller }): Promise<ApiResponse>;
  close(): Promise<void>;
}

export async function startServiceNowExchange(): Promise<ServiceNowExchange> {
  // Their response SLA is two seconds (their SLA job then flags it breached while ours runs on); resolution eight hours.
  const fake = await ServiceNowFake.start({
    user: 'rowe.integration',
    password: 'secret',
    slaDefinitions: [{ ...DEFAULT_SLA_DEFINITIONS[0]!, name: 'Incident response (2 seconds)', durationSeconds: 2 }, DEFAULT_SLA_DEFINITIONS[1]!],
  });
  const example = JSON.parse(readFileSync(join(__dirname, '../../clients/example.json'), 'utf8'));
  const settings = {
    ...exampleSettings(),
    changes: { cabQuorum: 1, clientApproval: ['low', 'medium', 'high', 'very high'], freezeWindows: [] },
    integrations: { servicenow: { ...example.integrations.servicenow, enabled: true, instanceUrl: fake.url, poll: { everyMinutes: 5, overlapSeconds: 120 }, knowledge: KNOWLEDGE_BASE } },
  };
  // SNS too: the outbox delivers the changes' approver notices before their ServiceNow mirrors, in order.
  const environment = await startFunctionEnvironment({ sns: true, env: functionSettingsEnv(settings) });
  await seedServices(environment.tables.documents, environment.tables.names.catalogue, INCIDENT_TEST_SERVICES);
  // As the local runtime does with ITSM_SERVICENOW_USER / _PASSWORD / _WEBHOOK_SECRET: no Secrets Manager here.
  const unregister = overrideAdapter(SERVICENOW_SECRETS, {
    credentials: async () => ({ type: 'basic', user: 'rowe.integration', password: 'secret' }),
    webhookSecret: async () => WEBHOOK_SECRET,
  });
  let incidents: ProxyHandler | undefined;
  let changes: ProxyHandler | undefined;
  let problems: ProxyHandler | undefined;
  let servicenow: ((event: unknown, context: unknown) => Promise<any>) | undefined;
  jest.isolateModules(() => {
    incidents = require('../../src/modules/incidents/functions/incidents-handler').handler;
  });
  jest.isolateModules(() => {
    changes = require('../../src/modules/changes/functions/changes-handler').handler;
  });
  jest.isolateModules(() => {
    problems = require('../../src/modules/problems/functions/problems-handler').handler;
  });
  jest.isolateModules(() => {
    servicenow = require('../../src/modules/servicenow/functions/servicenow-handler').handler;
  });
  const effects = await outboxDrain(environment.tables, loadOutboxConsumer(), { retryDelayMs: 1 });
  const hook: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const event = apiEvent('POST', { path: '/integrations/servicenow/events', body: raw, headers: { 'X-Rowe-Itsm-Signature': String(req.headers['x-rowe-itsm-signature'] ?? '') } });
      servicenow!(event, lambdaContext('rowe-itsm-example-servicenow')).then(
        (result: { statusCode: number; body: string }) => res.writeHead(result.statusCode, { 'Content-Type': 'application/json' }).end(result.body),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  fake.setWebhook({ url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`, secret: WEBHOOK_SECRET });

  const quiesce = async () => {
    for (let round = 0; round < 50; round++) {
      const before = fake.requests.length + fake.ruleCalls.length;
      await fake.settled();
      await effects.drain();
      await fake.settled();
      if (fake.requests.length + fake.ruleCalls.length === before) return;
    }
    throw new Error('The exchange did not settle in 50 rounds: a loop?');
  };
  return {
    fake,
    environment,
    settings,
    incidents: incidents!,
    changes: changes!,
    problems: problems!,
    servicenow: servicenow!,
    effects,
    quiesce,
    poll: () => servicenow!({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, lambdaContext('rowe-itsm-example-servicenow')),
    api: (method, options) => {
      const { path } = options;
      const handler = path.startsWith('/integrations') ? servicenow : path.startsWith('/changes') ? changes : path.startsWith('/knowledge') ? problems : incidents;
      return invoke(handler as ProxyHandler, method, options);
    },
    close: async () => {
      await fake.stop();
      await new Promise((resolve) => hook.close(resolve));
      await effects.stop();
      unregister();
      await environment.close();
    },
  };
}
