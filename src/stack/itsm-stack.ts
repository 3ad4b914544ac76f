import { isDeepStrictEqual } from 'node:util';
import { Aspects, CfnOutput, Duration, Stack, Tags, type CfnResource, type StackProps } from 'aws-cdk-lib';
import { contactsSchema, intakeSettingsSchema } from '../config/client-settings-schema';
import { DEFAULT_RETENTION_DAYS } from '../kernel/domain/retention';
import { packSettings } from '../config/packed-settings';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { FunctionGroup } from '../api/api-catalogue';
import type { ClientConfig } from '../config/client-config-schema';
import { ItsmApi } from './itsm-api';
import { ItsmDashboard } from '../kernel/infra/itsm-dashboard';
import { ItsmData, ItsmRecoveryData, replicatedTableNames } from './itsm-data';
import { ItsmCodeSigning } from '../kernel/infra/itsm-code-signing';
import { DailySchedule } from '../kernel/infra/daily-schedule';
import type { DataResources } from '../kernel/infra/data-resources';
import { Standby } from './itsm-standby';
import { healthAlarmRule, ItsmHealthAlarms } from '../kernel/infra/itsm-health-alarms';
import { ItsmIdentity } from './itsm-identity';
import type { ItsmModule, ItsmModuleProps } from '../kernel/infra/itsm-module';
import { ItsmNotifications } from '../kernel/infra/itsm-notifications';
import { ClientContactsSecret } from '../kernel/infra/client-contacts-secret';
import { ItsmReleases } from './itsm-releases';
import type { ItsmFunction } from '../kernel/infra/itsm-function';
import { acknowledgeNagFinding } from '../kernel/infra/nag-acknowledgements';
import { AuditModule } from '../modules/audit/infra/audit-module';
import { CatalogueModule } from '../modules/catalogue/infra/catalogue-module';
import { ChangesModule } from '../modules/changes/infra/changes-module';
import { IncidentsModule } from '../modules/incidents/infra/incidents-module';
import { MetaModule } from '../modules/meta/infra/meta-module';
import { MonitoringModule } from '../modules/monitoring/infra/monitoring-module';
import { OutboxModule } from '../modules/outbox/infra/outbox-module';
import { ProblemsModule } from '../modules/problems/infra/problems-module';
import { PrivacyModule } from '../modules/privacy/infra/privacy-module';
import { OnCallModule } from '../modules/oncall/infra/oncall-module';
import { ItsmSelfHelpSite } from '../modules/selfhelp/infra/itsm-self-help-site';
import { SiteSignInModule } from '../modules/selfhelp/infra/site-sign-in-module';
import { ReportsModule } from '../modules/reports/infra/reports-module';
import { activeServiceNow, ServiceNowModule } from '../modules/servicenow/infra';

export { MAX_REPORTS_SETTINGS_LENGTH } from '../modules/reports/infra/reports-module';

export interface ItsmStackProps extends StackProps {
  readonly config: ClientConfig;
  /**
   * `recovery`: the client's stack in its recovery region (`Itsm-<client>-dr`), over the replicas of
   * the primary stack's global tables; passive (schedules, rules and stream consumer off) until the
   * client file says `recovery.promoted: true`.
   * @default 'primary'
   */
  readonly role?: 'primary' | 'recovery';
}

/**
 * One client's whole ITSM backend, pinned to the client's account and region: the data, identity
 * and notifications every practice shares, one module per practice (src/modules/<practice>/infra),
 * then the API over the practices' functions, the health alarms and the dashboard.
 */
export class ItsmStack extends Stack {
  readonly data: DataResources;
  /** Whether this is the client's primary stack or its recovery stack. */
  readonly role: 'primary' | 'recovery';
  /** Code signing, when the client's releases enforce it. */
  readonly codeSigning?: ItsmCodeSigning;
  readonly api: ItsmApi;
  readonly identity: ItsmIdentity;
  readonly config: ClientConfig;
  readonly slaStateMachine: StateMachine;
  /** CodeDeploy: one deployment group per function over its live alias. */
  readonly releases: ItsmReleases;
  /** The practices, in the order they were added (the API's functions come first on the dashboard, in this order). */
  readonly modules: readonly ItsmModule[];

  constructor(scope: Construct, id: string, props: ItsmStackProps) {
    const { config } = props;
    const role = props.role ?? 'primary';
    const recovery = config.recovery;
    if (role === 'recovery' && !recovery) throw new Error(`${config.id}: a recovery stack needs the client's recovery region`);
    super(scope, id, {
      ...props,
      env: { account: config.account, region: role === 'recovery' ? recovery!.region : config.region },
      description:
        role === 'recovery'
          ? `rowe-itsm ITSM backend for ${config.name} (${config.id}), recovery region (${recovery!.promoted ? 'promoted' : 'passive'})`
          : `rowe-itsm ITSM backend for ${config.name} (${config.id})`,
      terminationProtection: true,
    });
    this.config = config;
    this.role = role;
    Tags.of(this).add('rowe-itsm:client', config.id);

    const tableNames = recovery && replicatedTableNames(config.id, recovery.tableNames);
    this.data =
      role === 'recovery'
        ? new ItsmRecoveryData(this, 'Data', { clientId: config.id, tableNames: tableNames!, incidentsStreamArn: recovery!.incidentsStreamArn })
        : new ItsmData(this, 'Data', { clientId: config.id, ...(recovery && { replication: { region: recovery.region, tableNames: tableNames! } }) });
    // One region acts at a time: a passive recovery stack starts nothing on its own (schedules, event
    // rules, the stream consumer), and once the recovery stack is promoted the primary stack stands by
    // instead, so it does not resume on its own when its region comes back (docs/disaster-recovery.md).
    if (recovery && (role === 'recovery') !== recovery.promoted) Aspects.of(this).add(new Standby());
    this.identity = new ItsmIdentity(this, 'Identity', { clientId: config.id });
    const notifications = new ItsmNotifications(this, 'Notifications', { clientId: config.id, key: this.data.key });

    // What the functions read at run time: the client settings schema in src/config.
    const clientSettings = packSettings(JSON.stringify({
      id: config.id,
      timeZone: config.timeZone,
      priorityMatrix: config.priorityMatrix,
      slaTargets: config.slaTargets,
      priorityThresholds: config.priorityThresholds,
      autoCloseAfter: config.autoCloseAfter,
      // The health alarms' rule comes first, so no client rule can demote them.
      monitoring: { ...config.monitoring, alarmRules: [healthAlarmRule(config.id), ...config.monitoring.alarmRules] },
      sla: config.sla,
      changes: config.changes,
      requests: config.requests,
      // A ServiceNow map the client keeps switched off stays out of the functions' environment (4 KB in all).
      integrations: config.integrations.servicenow?.enabled ? config.integrations : { ...config.integrations, servicenow: undefined },
      knowledgeStaleAfter: config.knowledgeStaleAfter,
      problems: config.problems,
      // Only when the client changes it: the functions' environment is limited to 4 KB, and the schema's defaults are the same at run time.
      ...(!isDeepStrictEqual(config.intake, intakeSettingsSchema.parse({})) && { intake: config.intake }),
      ...(!isDeepStrictEqual(config.retention, DEFAULT_RETENTION_DAYS) && { retention: config.retention }),
      ...(config.disasterRecoveryPlan && { disasterRecoveryPlan: config.disasterRecoveryPlan }),
    }));

    // The contacts are personal data: in their own secret, read by the functions that name contacts, not in any environment.
    const clientContacts = new ClientContactsSecret(this, { clientId: config.id, key: this.data.key, contactsJson: JSON.stringify(contactsSchema.parse(config.contacts)) });

    // The scheduled jobs' dead-letter queue, shared by every practice's jobs.
    const jobFailures = new Queue(this, 'ScheduledJobFailures', {
      encryptionMasterKey: this.data.key,
      encryption: QueueEncryption.KMS,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNagFinding(
      jobFailures.node.defaultChild as CfnResource,
      'Serverless-SQSRedrivePolicy',
      'This queue is itself the dead-letter queue of the scheduled jobs; a dead-letter queue of its own would only move the problem.',
    );
    // EventBridge delivers failed scheduled invocations here, through the encrypted queue's key.
    this.data.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    const shared: ItsmModuleProps = {
      clientId: config.id,
      data: this.data,
      notifications,
      logRetention: config.logRetentionDays as RetentionDays,
      clientSettings,
      clientContacts,
      jobFailures,
      dailySchedule: new DailySchedule(this, 'DailyJobs', { deadLetterQueue: jobFailures }),
    };
    const webhookSecretArn = config.integrations.webhook?.secretArn;
    const servicenow = activeServiceNow(this, config.id, config.integrations.servicenow);
    // One line per practice. Their order is the order of their functions on the dashboard (the API's
    // functions first, then the jobs and event handlers).
    const incidents = new IncidentsModule(this, shared);
    // The client's self-help site (published knowledge), rebuilt by the outbox's functions.
    const site = config.selfHelp.site;
    const selfHelpSite = site.enabled
      ? new ItsmSelfHelpSite(this, 'SelfHelpSite', {
          data: this.data,
          ...(site.domainName && site.certificateArn && { domain: { name: site.domainName, certificateArn: site.certificateArn } }),
          ...(config.selfHelp.bundle?.enabled && { bundle: true }),
          ...(site.access === 'client' && site.signIn && { signIn: { publicKeyPem: site.signIn.publicKeyPem } }),
        })
      : undefined;
    const meta = new MetaModule(this, shared);
    this.modules = [
      incidents,
      new CatalogueModule(this, shared),
      new ProblemsModule(this, { ...shared, ...(selfHelpSite?.bundled && { siteBundle: selfHelpSite }) }),
      new ChangesModule(this, shared),
      new AuditModule(this, shared),
      // Personal data's lifetime: closed records pseudonymised past the client's retention.
      new PrivacyModule(this, shared),
      new ReportsModule(this, { ...shared, config }),
      new OnCallModule(this, shared),
      meta,
      new MonitoringModule(this, shared),
      // The exchange with the client's ServiceNow: its business-rule calls, exceptions and poll (pushes ride the outbox).
      new ServiceNowModule(this, { ...shared, ...(servicenow && { servicenow }) }),
      // Effects of incident changes (workflow starts, notifications), delivered from the incidents table's stream.
      new OutboxModule(this, {
        ...shared,
        slaStateMachine: incidents.slaStateMachine,
        webhookSecretArn,
        ...(config.integrations.callCentreWebhooks && { callCentreSecretArn: config.integrations.callCentreWebhooks.secretArn }),
        archiveFindingsOnClose: config.monitoring.archiveFindingsOnClose,
        ...(selfHelpSite && { selfHelpSite }),
        ...(servicenow && { servicenow }),
      }),
    ];
    // The sign-in of a site behind the client's sign-in (/auth/*, the API's optional `selfhelp` group).
    if (selfHelpSite?.signIn && site.signIn) {
      this.modules = [...this.modules, new SiteSignInModule(this, { ...shared, site: selfHelpSite, userPool: this.identity.userPool, signIn: site.signIn })];
    }
    this.slaStateMachine = incidents.slaStateMachine;
    // People's access tokens get the API's scope from the meta function (no data, no grants).
    this.identity.issuePeopleTokensWith(meta.meta.live);

    this.api = new ItsmApi(this, 'Http', {
      clientId: config.id,
      userPool: this.identity.userPool,
      // Through each function's live alias: the integration URIs and the invoke permissions name it.
      functions: liveAliasesOf(apiFunctionsOf(this.modules), this.modules.flatMap((m) => m.functions)),
      access: config.api.access,
      ...(config.api.customDomain && { customDomain: config.api.customDomain }),
      rateLimit: config.api.throttle.rateLimit,
      burstLimit: config.api.throttle.burstLimit,
      logRetention: shared.logRetention,
      logKey: this.data.key,
    });
    if (selfHelpSite && this.api.internetOrigin) {
      selfHelpSite.countViewsThrough(this.api.internetOrigin);
      // The config allows a site behind the sign-in only with a public API (CloudFront forwards /auth/* to it).
      if (selfHelpSite.signIn) selfHelpSite.signInThrough(this.api.internetOrigin);
    }
    if (selfHelpSite?.signIn) {
      new CfnOutput(this, 'SelfHelpSigningKeySecretArn', {
        value: selfHelpSite.signIn.privateKey.secretArn,
        description: "Put the self-help site's cookie-signing private key (PEM) here after the first deploy (README: the site behind the sign-in)",
      });
    }

    // Alarms on the stack's own health: to the ops topic, and through the alarm rule into the desk.
    // The API's functions first, then the jobs and event handlers.
    const apiFunctions = new Set(this.modules.flatMap((m) => Object.values(m.apiFunctions)));
    const allFunctions = this.modules.flatMap((m) => m.functions);
    const watchedFunctions = [...allFunctions.filter((fn) => apiFunctions.has(fn.function)), ...allFunctions.filter((fn) => !apiFunctions.has(fn.function))].map(
      (fn) => ({ label: fn.node.id, function: fn.function, live: fn.live, timeout: fn.function.timeout }),
    );
    const moduleAlarms = this.modules.flatMap((m) => m.alarms);
    const stateMachines = this.modules.flatMap((m) => m.stateMachines);
    const health = new ItsmHealthAlarms(this, 'Health', {
      clientId: config.id,
      key: this.data.key,
      // The operations mailbox, else the provider's named contact: someone always hears of the stack's health.
      opsEmail: config.alertEmail ?? config.contacts.providerNamed.email,
      api: this.api.api,
      functions: watchedFunctions,
      // The practices' own queues have their alarms already (in `existing`).
      deadLetterQueues: [{ label: 'ScheduledJobFailures', queue: jobFailures }],
      stateMachines,
      existing: moduleAlarms,
      auditWriters: this.modules.flatMap((m) => m.auditWriters),
    });

    // Every function's deploys shift its live alias through CodeDeploy, rolled back on its alias alarms.
    this.releases = new ItsmReleases(this, 'Releases', {
      clientId: config.id,
      deploymentConfig: config.releases.deploymentConfig,
      functions: allFunctions.map((fn) => ({ label: fn.node.id, live: fn.live, alarms: health.releaseAlarms.get(fn.node.id) ?? [] })),
    });

    // Artefact integrity: every function refuses code the release profile did not sign.
    const signing = config.releases.codeSigning;
    if (signing) {
      this.codeSigning = new ItsmCodeSigning(this, 'CodeSigning', { clientId: config.id, signingProfileVersionArn: signing.signingProfileVersionArn });
      this.codeSigning.enforceOn(allFunctions);
    }

    // Ops see the desk's figures and the stack's health at a glance.
    new ItsmDashboard(this, 'Dashboard', {
      clientId: config.id,
      api: this.api.api,
      functions: watchedFunctions,
      deadLetterQueues: [jobFailures, ...this.modules.flatMap((m) => m.deadLetterQueues)],
      stateMachines: stateMachines.map((s) => s.stateMachine),
      alarms: [...health.alarms, ...moduleAlarms],
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Base URL of the REST API' });
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'DeskClientId', { value: this.identity.deskClient.userPoolClientId });
  }
}

/** The live alias of each API function (ItsmFunction `live`), per function group. */
function liveAliasesOf(functions: Partial<Record<FunctionGroup, IFunction>>, all: readonly ItsmFunction[]): Partial<Record<FunctionGroup, IFunction>> {
  const liveOf = new Map<IFunction, IFunction>(all.map((fn) => [fn.function, fn.live]));
  return Object.fromEntries(
    Object.entries(functions).map(([group, fn]) => {
      const live = liveOf.get(fn!);
      if (!live) throw new Error(`The API's function group ${group} is served by a function that is not an ItsmFunction of a practice`);
      return [group, live];
    }),
  ) as Partial<Record<FunctionGroup, IFunction>>;
}

/** The API's function per function group, from the practices; every group must have its function. */
function apiFunctionsOf(modules: readonly ItsmModule[]): Partial<Record<FunctionGroup, IFunction>> {
  const functions: Partial<Record<FunctionGroup, IFunction>> = {};
  for (const module of modules) {
    for (const [group, fn] of Object.entries(module.apiFunctions) as [FunctionGroup, IFunction][]) {
      if (functions[group]) throw new Error(`Two practices serve the API's function group ${group}`);
      functions[group] = fn;
    }
  }
  return functions;
}
