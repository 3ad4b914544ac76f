import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENTRY_METADATA } from '../../src/kernel/infra/itsm-function';
import { ENV, readEnvironment, variableNames, type EnvironmentContract } from '../../src/platform/environment-contract';
import { RETENTION_ENVIRONMENT } from '../../src/modules/privacy/functions/environment';
import { AUDIT_CHAINER_ENVIRONMENT, AUDIT_ENVIRONMENT, AUDIT_PRUNER_ENVIRONMENT } from '../../src/modules/audit/functions/environment';
import { CATALOGUE_ENVIRONMENT } from '../../src/modules/catalogue/functions/environment';
import { CHANGES_ENVIRONMENT } from '../../src/modules/changes/functions/environment';
import { AUTO_CLOSE_ENVIRONMENT, INCIDENTS_ENVIRONMENT, SLA_CLOCK_ENVIRONMENT } from '../../src/modules/incidents/functions/environment';
import { META_ENVIRONMENT } from '../../src/modules/meta/functions/environment';
import { EVENT_INGESTION_ENVIRONMENT } from '../../src/modules/monitoring/functions/environment';
import { KNOWLEDGE_RETIREMENT_ENVIRONMENT, PROBLEMS_ENVIRONMENT } from '../../src/modules/problems/functions/environment';
import { REPORTS_ENVIRONMENT } from '../../src/modules/reports/functions/environment';
import { ONCALL_ENVIRONMENT } from '../../src/modules/oncall/functions/environment';
import { OUTBOX_CONSUMER_ENVIRONMENT, OUTBOX_RECONCILER_ENVIRONMENT } from '../../src/modules/outbox/functions/environment';
import { SERVICENOW_ENVIRONMENT } from '../../src/modules/servicenow/functions/environment';
import { SITE_SIGN_IN_ENVIRONMENT } from '../../src/modules/selfhelp/functions/environment';
import { REPO_ROOT, useClientStacks, HANDLER_ENTRIES } from './infra-fixtures';

/**
 * Each function's synthesized environment is exactly its contract (src/modules/<practice>/functions/
 * environment.ts), besides the Powertools settings ItsmFunction adds to every function: the
 * construct supplies every variable the entry reads, and nothing it does not.
 */
const CONTRACTS: Readonly<Record<string, EnvironmentContract>> = {
  [HANDLER_ENTRIES.incidents]: INCIDENTS_ENVIRONMENT,
  [HANDLER_ENTRIES.slaClock]: SLA_CLOCK_ENVIRONMENT,
  [HANDLER_ENTRIES.autoClose]: AUTO_CLOSE_ENVIRONMENT,
  [HANDLER_ENTRIES.eventIngestion]: EVENT_INGESTION_ENVIRONMENT,
  [HANDLER_ENTRIES.catalogue]: CATALOGUE_ENVIRONMENT,
  [HANDLER_ENTRIES.problems]: PROBLEMS_ENVIRONMENT,
  [HANDLER_ENTRIES.knowledgeRetirement]: KNOWLEDGE_RETIREMENT_ENVIRONMENT,
  [HANDLER_ENTRIES.changes]: CHANGES_ENVIRONMENT,
  [HANDLER_ENTRIES.audit]: AUDIT_ENVIRONMENT,
  [HANDLER_ENTRIES.auditChainer]: AUDIT_CHAINER_ENVIRONMENT,
  [HANDLER_ENTRIES.auditPruner]: AUDIT_PRUNER_ENVIRONMENT,
  [HANDLER_ENTRIES.retention]: RETENTION_ENVIRONMENT,
  [HANDLER_ENTRIES.reports]: REPORTS_ENVIRONMENT,
  [HANDLER_ENTRIES.oncall]: ONCALL_ENVIRONMENT,
  [HANDLER_ENTRIES.meta]: META_ENVIRONMENT,
  [HANDLER_ENTRIES.outboxConsumer]: OUTBOX_CONSUMER_ENVIRONMENT,
  [HANDLER_ENTRIES.outboxReconciler]: OUTBOX_RECONCILER_ENVIRONMENT,
  [HANDLER_ENTRIES.servicenow]: SERVICENOW_ENVIRONMENT,
  [HANDLER_ENTRIES.siteSignIn]: SITE_SIGN_IN_ENVIRONMENT,
};
/** Only a client whose self-help site is behind its sign-in (acme-us) has this function. */
const POWERTOOLS = ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_TRACER_CAPTURE_ERROR', 'POWERTOOLS_TRACER_CAPTURE_RESPONSE'];

const stacks = useClientStacks();

test('every entry point has a contract', () => {
  const entries = readdirSync(join(REPO_ROOT, 'src/modules')).flatMap((practice) => {
    const dir = join(REPO_ROOT, 'src/modules', practice, 'functions');
    try {
      return readdirSync(dir).filter((f) => f.endsWith('-handler.ts')).map((f) => `src/modules/${practice}/functions/${f}`);
    } catch {
      return [];
    }
  });
  expect(entries.sort()).toEqual(Object.keys(CONTRACTS).sort());
});

test.each(['example', 'acme-us'])("each function's environment in %s is exactly its contract", (clientId) => {
  const functions = Object.values(stacks.get(clientId).resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[ENTRY_METADATA]);
  expect(functions.map((fn) => fn.Metadata[ENTRY_METADATA]).sort()).toEqual(Object.keys(CONTRACTS).filter((entry) => entry !== HANDLER_ENTRIES.siteSignIn || clientId === 'acme-us').sort());
  for (const fn of functions) {
    const contract = CONTRACTS[fn.Metadata[ENTRY_METADATA] as string]!;
    const variables = Object.keys(fn.Properties.Environment?.Variables ?? {}).sort();
    expect({ entry: fn.Metadata[ENTRY_METADATA], variables }).toEqual({ entry: fn.Metadata[ENTRY_METADATA], variables: [...variableNames(contract), ...POWERTOOLS].sort() });
    // Traced, but never with a handler's response or error (test/unit/tracing-without-data.test.ts: the code's side).
    expect({ entry: fn.Metadata[ENTRY_METADATA], tracing: fn.Properties.TracingConfig, capture: [fn.Properties.Environment.Variables.POWERTOOLS_TRACER_CAPTURE_RESPONSE, fn.Properties.Environment.Variables.POWERTOOLS_TRACER_CAPTURE_ERROR] })
      .toEqual({ entry: fn.Metadata[ENTRY_METADATA], tracing: { Mode: 'Active' }, capture: ['false', 'false'] });
  }
});

test('the shared names are defined once and every contract picks from them', () => {
  expect(new Set(Object.values(ENV)).size).toBe(Object.values(ENV).length);
  const known = new Set<string>(Object.values(ENV));
  for (const contract of Object.values(CONTRACTS)) for (const name of variableNames(contract)) expect(known).toContain(name);
});

test('readEnvironment names a missing required variable and lets an optional one be undefined', () => {
  const values = { AUDIT_TABLE_NAME: 'a', CHANGES_TABLE_NAME: 'c', CATALOGUE_TABLE_NAME: 'k', INCIDENTS_TABLE_NAME: 'i', IDEMPOTENCY_TABLE_NAME: 'd', ITSM_CLIENT_SETTINGS: '{}' };
  expect(readEnvironment(CHANGES_ENVIRONMENT, values)).toEqual({
    auditTable: 'a',
    changesTable: 'c',
    catalogueTable: 'k',
    incidentsTable: 'i',
    idempotencyTable: 'd',
    clientSettings: '{}',
  });
  expect(() => readEnvironment(CHANGES_ENVIRONMENT, { ...values, CHANGES_TABLE_NAME: '' })).toThrow('Environment variable CHANGES_TABLE_NAME is not set');
});
