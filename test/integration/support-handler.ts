import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalSns, type OutboxMessage } from '../../local/local-sns';
import { LocalStepFunctions } from '../../local/local-step-functions';
import type { CloudFormationTemplate } from '../../local/synthesize-stack';
import { localReferences, stateMachinesOf } from '../../local/template-model';
import { synthesizedTemplate } from '../support/synthesized-template';
import { createTestTables, type TestTables } from '../support/test-tables';
import { INCIDENT_TEST_SERVICES, seedServices } from './support-catalogue';
import { loadOutboxConsumer, outboxDrain } from './support-outbox';
import { blamedFields, invoke, type ApiResponse, type ProxyHandler, type RequestOptions, type TestCaller } from './support-events';
import { LOCAL_STAND_IN_ENV, registerLocalStandIns } from '../../local/stand-ins/register-stand-ins';
import { functionSettingsEnv } from '../support/function-settings';

/**
 * The incidents Lambda loaded the way the runtime loads it (environment read at module load),
 * over DynamoDB Local (its own tables) and LocalSns (the real SNS client publishing to an outbox).
 */

/** Topic ARNs the handler is given; LocalSns records whichever the notifier publishes to. */
export const TOPICS = {
  majorIncident: 'arn:aws:sns:eu-west-2:123456789012:rowe-itsm-example-major-incidents',
  escalation: 'arn:aws:sns:eu-west-2:123456789012:rowe-itsm-example-escalations',
  security: 'arn:aws:sns:eu-west-2:123456789012:rowe-itsm-example-security',
} as const;

const ROOT = resolve(__dirname, '../..');

/** The runtime part of clients/example.json, picked the way the stack builds ITSM_CLIENT_SETTINGS. */
export function exampleSettings(): Record<string, any> {
  const config = JSON.parse(readFileSync(join(ROOT, 'clients/example.json'), 'utf8'));
  return {
    id: config.id,
    timeZone: config.timeZone,
    priorityMatrix: config.priorityMatrix,
    slaTargets: config.slaTargets,
    priorityThresholds: config.priorityThresholds,
    autoCloseAfter: config.autoCloseAfter,
    contacts: config.contacts,
    ...(config.monitoring && { monitoring: config.monitoring }),
    ...(config.sla && { sla: config.sla }),
    ...(config.changes && { changes: config.changes }),
    ...(config.requests && { requests: config.requests }),
    ...(config.disasterRecoveryPlan && { disasterRecoveryPlan: config.disasterRecoveryPlan }),
  };
}

/** The example client's synthesized template (synthesized once per run, shared by the test files). */
export function exampleTemplate(): CloudFormationTemplate {
  return synthesizedTemplate('example');
}

/**
 * Step Functions for handler tests: the stack's SLA state machine, from the synthesized template,
 * run by LocalStepFunctions with its task played by the SLA check handler in-process. Time is
 * real, so waits outlast a test: what a test sees is each start and the first check.
 */
export async function startLocalWorkflows(dir: string): Promise<{ readonly sfn: LocalStepFunctions; readonly stateMachineArn: string }> {
  const template = exampleTemplate();
  const machines = stateMachinesOf(template, 'eu-west-2');
  let checkHandler: ((event: unknown) => Promise<unknown>) | undefined;
  const sfn = await LocalStepFunctions.start({
    machines,
    region: 'eu-west-2',
    file: join(dir, 'executions.json'),
    now: () => new Date(),
    invoke: async (_functionId, payload) => {
      if (!checkHandler) {
        jest.isolateModules(() => {
          checkHandler = (require('../../src/modules/incidents/functions/sla-clock-handler') as { handler: (event: unknown) => Promise<unknown> }).handler;
        });
      }
      return checkHandler!(payload);
    },
  });
  const stateMachineArn = localReferences(template, 'eu-west-2')[machines[0]!.logicalId]!;
  return { sfn, stateMachineArn };
}

export interface IncidentsApi {
  readonly tables: TestTables;
  readonly workflows: LocalStepFunctions;
  readonly sns: LocalSns;
  readonly handler: ProxyHandler;
  /** Loads another instance of the handler (same tables and SNS) with other client settings. */
  loadHandler(settings: Record<string, unknown>): ProxyHandler;
  /** Messages published so far whose subject mentions `text` (e.g. an incident number). */
  messagesAbout(text: string): OutboxMessage[];
  /**
   * Delivers the effects stored so far (SLA workflow starts, notifications): the incidents table's
   * stream through the outbox consumer's entry, as the stack's event source mapping drives it
   * (support-outbox.ts). Requests store effects; nothing is sent until this runs.
   */
  deliverEffects(): Promise<void>;
  close(): Promise<void>;
}

/** Sets `values` on process.env and returns a function that restores what was there. */
export function setEnv(values: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** Environment every function gets locally: DynamoDB Local, quiet Powertools, fake credentials. */
export function localFunctionEnv(tables: TestTables): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_TRACE_ENABLED: 'false',
    // Makes Powertools Metrics write through the global console, so the warning below can be muted.
    POWERTOOLS_DEV: 'true',
    // Every table, as the stack names them to its functions; a test overrides what it needs otherwise.
    INCIDENTS_TABLE_NAME: tables.names.incidents,
    IDEMPOTENCY_TABLE_NAME: tables.names.idempotency,
    EVENTS_TABLE_NAME: tables.names.events,
    AUDIT_TABLE_NAME: tables.names.audit,
    CATALOGUE_TABLE_NAME: tables.names.catalogue,
    PROBLEMS_TABLE_NAME: tables.names.problems,
    CHANGES_TABLE_NAME: tables.names.changes,
    ONCALL_TABLE_NAME: tables.names.oncall,
    // The audit chain's seal key and anchor bucket: a test that verifies registers their stand-ins.
    AUDIT_SEAL_KEY_ID: 'local-audit-seal-key',
    AUDIT_ANCHOR_BUCKET_NAME: 'local-audit-anchor',
  };
}

/**
 * Metrics warns "No application metrics to publish" when a run adds none; mute exactly that line.
 * Call from beforeAll (jest restores spies only when asked).
 */
export function muteEmptyMetricsWarning(): void {
  const warn = console.warn.bind(console);
  jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('No application metrics to publish')) return;
    warn(...args);
  });
}

/** Environment every function gets here, plus the example client's settings (or `settings`): ITSM_CLIENT_SETTINGS and the contacts' secret (functionSettingsEnv). */
export function exampleFunctionEnv(tables: TestTables, settings: Record<string, unknown> = exampleSettings()): Record<string, string> {
  return { ...localFunctionEnv(tables), ...functionSettingsEnv(settings) };
}

export interface FunctionEnvironment {
  readonly tables: TestTables;
  /** The stack's SLA workflow (startLocalWorkflows). */
  readonly workflows: { readonly sfn: LocalStepFunctions; readonly stateMachineArn: string };
  /** LocalSns when asked for; without it the functions are told no SNS endpoint, as before. */
  readonly sns: LocalSns | undefined;
  /** Scratch directory (executions, outbox), removed by close(). */
  readonly dir: string;
  /** Stops what started, restores process.env and drops the tables. */
  close(): Promise<void>;
}

/**
 * What the functions that raise, change or read incidents run against in a test file: their own
 * DynamoDB Local tables, the SLA workflow, LocalSns if `sns`, and the environment the stack gives
 * them (every table, the workflow, the notification topics, the example client's settings),
 * with `env` on top. Loads no handler: the test does, once this has set process.env.
 */
export async function startFunctionEnvironment(options: { readonly sns?: boolean; readonly env?: Record<string, string> } = {}): Promise<FunctionEnvironment> {
  const tables = await createTestTables();
  const dir = mkdtempSync(join(tmpdir(), 'itsm-functions-'));
  let sns: LocalSns | undefined;
  let workflows: FunctionEnvironment['workflows'] | undefined;
  const stop = async (): Promise<void> => {
    await workflows?.sfn.stop();
    await sns?.stop();
    await tables.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (options.sns) sns = await LocalSns.start(join(dir, 'outbox.jsonl'));
    workflows = await startLocalWorkflows(dir);
  } catch (error) {
    await stop();
    throw error;
  }
  const restore = setEnv({
    ...exampleFunctionEnv(tables),
    ...(sns && { AWS_ENDPOINT_URL_SNS: sns.endpoint }),
    AWS_ENDPOINT_URL_SFN: workflows.sfn.endpoint,
    SLA_STATE_MACHINE_ARN: workflows.stateMachineArn,
    MAJOR_INCIDENT_TOPIC_ARN: TOPICS.majorIncident,
    ESCALATION_TOPIC_ARN: TOPICS.escalation,
    SECURITY_TOPIC_ARN: TOPICS.security,
    ...options.env,
  });
  muteEmptyMetricsWarning();
  return {
    tables,
    workflows,
    sns,
    dir,
    close: async () => {
      restore();
      await stop();
    },
  };
}

export async function startIncidentsApi(): Promise<IncidentsApi> {
  const environment = await startFunctionEnvironment({ sns: true });
  const { tables, workflows } = environment;
  const sns = environment.sns!;
  await seedServices(tables.documents, tables.names.catalogue, INCIDENT_TEST_SERVICES);
  const loadHandler = (settings?: Record<string, unknown>): ProxyHandler => {
    const restoreSettings = settings ? setEnv(functionSettingsEnv(settings)) : () => undefined;
    let loaded: ProxyHandler | undefined;
    try {
      jest.isolateModules(() => {
        loaded = (require('../../src/modules/incidents/functions/incidents-handler') as typeof import('../../src/modules/incidents/functions/incidents-handler'))
          .handler as unknown as ProxyHandler;
      });
    } finally {
      restoreSettings();
    }
    return loaded!;
  };
  const handler = loadHandler();
  const effects = await outboxDrain(tables, loadOutboxConsumer());
  return {
    tables,
    workflows: workflows.sfn,
    sns,
    handler,
    loadHandler,
    messagesAbout: (text) => sns.messages().filter((m) => (m.subject ?? '').includes(text) || JSON.stringify(m.message).includes(text)),
    deliverEffects: async () => {
      await effects.drain();
      if (effects.failed.length > 0) throw new Error(`Effects failed for good: ${JSON.stringify(effects.failed.map((f) => f.error))}`);
    },
    close: async () => {
      await effects.stop();
      await environment.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Requests, one helper per route

export interface Call {
  readonly as?: TestCaller | undefined;
  readonly ifMatch?: string;
  readonly headers?: Record<string, string>;
}

export function incidentRoutes(handler: () => ProxyHandler) {
  const onIncident = (method: string, id: string, sub: string, call: Call, extra: Partial<RequestOptions> = {}) =>
    invoke(handler(), method, {
      path: `/incidents/${id}${sub}`,
      resource: `/incidents/{id}${sub}`,
      pathParameters: { id },
      caller: call.as,
      headers: { ...(call.ifMatch !== undefined && { 'If-Match': call.ifMatch }), ...call.headers },
      ...extra,
    });
  return {
    create: (body: unknown, call: Call) =>
      invoke(handler(), 'POST', { path: '/incidents', resource: '/incidents', body, caller: call.as, ...(call.headers && { headers: call.headers }) }),
    get: (id: string, call: Call) => onIncident('GET', id, '', call),
    list: (query: RequestOptions['query'], call: Call) => invoke(handler(), 'GET', { path: '/incidents', resource: '/incidents', query: query ?? {}, caller: call.as }),
    patch: (id: string, body: unknown, call: Call) => onIncident('PATCH', id, '', call, { body }),
    confirm: (id: string, call: Call, body?: unknown) => onIncident('POST', id, '/confirm', call, body === undefined ? {} : { body }),
    reject: (id: string, body: unknown, call: Call) => onIncident('POST', id, '/reject', call, { body }),
    escalate: (id: string, body: unknown, call: Call) => onIncident('POST', id, '/escalate', call, { body }),
    flagSecurity: (id: string, body: unknown, call: Call) => onIncident('POST', id, '/security', call, { body }),
    comment: (id: string, body: unknown, call: Call) => onIncident('POST', id, '/comments', call, { body }),
    timeline: (id: string, query: Record<string, string>, call: Call) => onIncident('GET', id, '/timeline', call, { query }),
  };
}

export function expectProblem(response: ApiResponse, status: number, field?: string) {
  expect({ status: response.status, contentType: response.headers['content-type'], raw: response.status === status ? '' : response.raw }).toEqual({
    status,
    contentType: 'application/problem+json',
    raw: '',
  });
  expect(response.body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//), title: expect.any(String), detail: expect.any(String) });
  if (field !== undefined) expect(blamedFields(response)).toContain(field);
}

export const validIncidentBody = (overrides: Record<string, unknown> = {}) => ({
  shortDescription: 'Finance cannot send email',
  description: 'Outlook shows "disconnected" for everyone on floor 3 since 09:10.',
  impact: 1,
  urgency: 2,
  service: 'email',
  category: 'software',
  ...overrides,
});

/** Loads a fresh copy of the event-ingestion handler, which reads ITSM_CLIENT_SETTINGS at cold start. */
/**
 * The ingestion handler, reading alarm tags from `alarmTagsFile` as the local runtime makes it do
 * (no CloudWatch here); by default a file that does not exist: no alarm has tags.
 */
export function loadIngestionHandler(settings: Record<string, unknown>, alarmTagsFile = '/nonexistent/alarm-tags.json'): (event: unknown, context: unknown) => Promise<unknown> {
  const restoreSettings = setEnv(functionSettingsEnv(settings));
  // As the local Lambda worker does: the stand-ins are registered before the handler is loaded.
  const unregister = registerLocalStandIns({ [LOCAL_STAND_IN_ENV.alarmTagsFile]: alarmTagsFile });
  let loaded: ((event: unknown, context: unknown) => Promise<unknown>) | undefined;
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require('../../src/modules/monitoring/functions/event-ingestion-handler').handler;
    });
  } finally {
    unregister();
    restoreSettings();
  }
  return loaded!;
}
