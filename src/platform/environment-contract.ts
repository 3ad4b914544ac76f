/**
 * The environment contract between a function's construct and its entry point.
 *
 * Each function declares, in its module's `functions/environment.ts`, a contract: a frozen object
 * whose keys are the names the code uses (`incidentsTable`) and whose values are the variables'
 * names (`INCIDENTS_TABLE_NAME`). The construct supplies the values with `environmentOf(contract,
 * values)`, whose type demands a value for every key; the entry reads them with
 * `readEnvironment(contract)`, which returns a typed object. The shared names (tables, topics, the
 * SLA workflow, the client settings) are defined once, here, in `ENV`; a contract only picks them.
 *
 * Plain constants and two small functions, no CDK: entry points import this, and so do the
 * constructs and the local runtime.
 */

/** Every variable name the stack sets on a function, besides Powertools' own. */
export const ENV = {
  incidentsTable: 'INCIDENTS_TABLE_NAME',
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  auditTable: 'AUDIT_TABLE_NAME',
  catalogueTable: 'CATALOGUE_TABLE_NAME',
  problemsTable: 'PROBLEMS_TABLE_NAME',
  changesTable: 'CHANGES_TABLE_NAME',
  eventsTable: 'EVENTS_TABLE_NAME',
  oncallTable: 'ONCALL_TABLE_NAME',
  majorIncidentTopic: 'MAJOR_INCIDENT_TOPIC_ARN',
  escalationTopic: 'ESCALATION_TOPIC_ARN',
  securityTopic: 'SECURITY_TOPIC_ARN',
  slaStateMachine: 'SLA_STATE_MACHINE_ARN',
  /** The self-help site's bucket, address and access (public | client); empty when the client has no site. */
  selfHelpBucket: 'SELFHELP_BUCKET_NAME',
  selfHelpUrl: 'SELFHELP_SITE_URL',
  selfHelpAccess: 'SELFHELP_ACCESS',
  /** `zip` where the client has the site's downloadable bundle (config `selfHelp.bundle`); empty otherwise. */
  selfHelpBundle: 'SELFHELP_BUNDLE',
  /** The sign-in of a site behind the client's sign-in: the private key's secret, its key pair id, the hosted UI and the site's app client. */
  selfHelpSigningKeySecret: 'SELFHELP_SIGNING_KEY_SECRET_ARN',
  selfHelpKeyPairId: 'SELFHELP_KEY_PAIR_ID',
  selfHelpSignInDomain: 'SELFHELP_SIGN_IN_DOMAIN_URL',
  selfHelpSignInIssuer: 'SELFHELP_SIGN_IN_ISSUER',
  selfHelpSignInClientId: 'SELFHELP_SIGN_IN_CLIENT_ID',
  selfHelpReaderRoles: 'SELFHELP_READER_ROLES',
  selfHelpSessionMinutes: 'SELFHELP_SESSION_MINUTES',
  /** The KMS HMAC key that seals audit chain entries (key id). */
  auditSealKey: 'AUDIT_SEAL_KEY_ID',
  /** The S3 bucket (Object Lock) where the audit chain head is anchored. */
  auditAnchorBucket: 'AUDIT_ANCHOR_BUCKET_NAME',
  /** The stack's client-contacts secret (Secrets Manager): the contacts JSON, read through src/platform/client-contacts.ts. */
  clientContactsSecret: 'CLIENT_CONTACTS_SECRET_ARN',
  /** The client settings JSON (src/config/client-settings-schema.ts); read by `loadClientSettings`. */
  clientSettings: 'ITSM_CLIENT_SETTINGS',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * A variable the function tolerates missing (it then does without, e.g. a topic it would publish
 * to). The construct must still supply it: only the reading is lenient.
 */
export interface OptionalVariable<N extends EnvName = EnvName> {
  readonly name: N;
  readonly optional: true;
}

export const optional = <N extends EnvName>(name: N): OptionalVariable<N> => Object.freeze({ name, optional: true });

export type EnvironmentContract = Readonly<Record<string, EnvName | OptionalVariable>>;

/** Declares a function's contract (keeps the literal types). */
export const environmentContract = <const C extends EnvironmentContract>(contract: C): C => Object.freeze(contract);

/** What `readEnvironment` returns: a string per required key, `string | undefined` per optional one. */
export type EnvironmentValues<C extends EnvironmentContract> = {
  readonly [K in keyof C]: C[K] extends OptionalVariable ? string | undefined : string;
};

/** What the construct must supply: a value for every key of the contract, optional or not. */
export type EnvironmentSupply<C extends EnvironmentContract> = { readonly [K in keyof C]: string };

const nameOf = (variable: EnvName | OptionalVariable): EnvName => (typeof variable === 'string' ? variable : variable.name);

/** The variable names of a contract, in its order. */
export function variableNames(contract: EnvironmentContract): EnvName[] {
  return Object.values(contract).map(nameOf);
}

/** The construct's side: the function's `environment` (variable name → value) from one value per key. */
export function environmentOf<C extends EnvironmentContract>(contract: C, supply: EnvironmentSupply<C>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [key, variable] of Object.entries(contract)) environment[nameOf(variable)] = (supply as Record<string, string>)[key]!;
  return environment;
}

/**
 * The entry's side: reads every variable of the contract once, at cold start. A required variable
 * that is missing or empty fails the init, naming it; an optional one is `undefined` when unset.
 */
export function readEnvironment<C extends EnvironmentContract>(contract: C, env: NodeJS.ProcessEnv = process.env): EnvironmentValues<C> {
  const values: Record<string, string | undefined> = {};
  for (const [key, variable] of Object.entries(contract)) {
    const name = nameOf(variable);
    const value = env[name];
    if (typeof variable === 'string' && !value) throw new Error(`Environment variable ${name} is not set; the stack sets it on every function`);
    values[key] = value;
  }
  return values as EnvironmentValues<C>;
}
