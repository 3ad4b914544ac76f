import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { isLoopbackHttp, type ServiceNowSettings } from '../../../config/servicenow-settings-schema';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { environmentOf } from '../../../platform/environment-contract';
import { SERVICENOW_ENVIRONMENT } from '../functions/environment';
import { CHANGE_PARTITION_PATTERN } from '../../changes/adapters';

/** The CDK context key only the local runtime sets (local/synthesize-stack.ts): http to the loopback is allowed there. */
export const LOCAL_RUNTIME_CONTEXT = 'itsm:local-runtime';

export interface ServiceNowModuleProps extends ItsmModuleProps {
  /**
   * The client's `integrations.servicenow`.
   * @default no ServiceNow: the function answers 404 and no poll is scheduled
   */
  readonly servicenow?: ServiceNowSettings;
}

/**
 * The active ServiceNow integration of a client, or nothing. An http:// instance (the loopback)
 * is refused at synth unless the local runtime is synthesizing: a deployed stack never talks to
 * ServiceNow in clear text.
 */
export function activeServiceNow(scope: Construct, clientId: string, settings: ServiceNowSettings | undefined): ServiceNowSettings | undefined {
  if (!settings?.enabled) return undefined;
  if (isLoopbackHttp(settings.instanceUrl) && scope.node.tryGetContext(LOCAL_RUNTIME_CONTEXT) !== true) {
    throw new Error(`clients/${clientId}.json: integrations.servicenow.instanceUrl: ${settings.instanceUrl} is http://, allowed only for the local runtime (npm start); a deployed stack needs https://`);
  }
  return settings;
}

/**
 * What a function pushing incidents (and changes) there may touch: read incidents and their timelines, changes, write the
 * exchange's own items and the incident's `external` link (UpdateItem), read the credentials.
 */
export function grantServiceNowPush(fn: ItsmFunction, table: ITable, changesTable: ITable, key: IKey, settings: ServiceNowSettings): void {
  fn.grantTable({ table, key, access: ['read', 'update'], leadingKeys: ['INCIDENT#*'] });
  // Changes the client approves there are mirrored as they are: GetItem on change items only.
  fn.grantTable({ table: changesTable, key, access: ['get'], leadingKeys: [CHANGE_PARTITION_PATTERN] });
  fn.grantTable({ table, key, access: ['read', 'write'], leadingKeys: ['SERVICENOW#*'] });
  fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [settings.auth.secretArn] }));
}

/**
 * The exchange with the client's ServiceNow (docs/servicenow.md): one function serving the
 * business rule's calls and the exceptions' routes, and running the reconciliation poll on its
 * schedule. Pushing our changes there is the outbox's (its consumer gets grantServiceNowPush).
 */
export class ServiceNowModule extends ItsmModule {
  readonly servicenow: ItsmFunction;

  constructor(scope: Construct, props: ServiceNowModuleProps) {
    super(scope, props);
    const { data, logRetention, jobFailures } = props;
    const settings = activeServiceNow(scope, props.clientId, props.servicenow);
    const fn = new ItsmFunction(scope, 'ServiceNowFunction', {
      entry: 'src/modules/servicenow/functions/servicenow-handler.ts',
      serviceName: 'servicenow',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      timeout: Duration.seconds(25),
      // The poll's failed asynchronous runs go where every scheduled job's do (the API's calls are synchronous).
      ...(settings && { invocation: 'asynchronous' as const, deadLetterQueue: jobFailures }),
      environment: environmentOf(SERVICENOW_ENVIRONMENT, {
        incidentsTable: data.incidentsTable.tableName,
        idempotencyTable: data.idempotencyTable.tableName,
        auditTable: data.auditTable.tableName,
        catalogueTable: data.catalogueTable.tableName,
        changesTable: data.changesTable.tableName,
        clientSettings: props.clientSettings,
        // Only with the exchange, whose desk use cases name the client's contacts.
        clientContactsSecret: settings ? props.clientContacts.secretArn : '',
      }),
    });
    fn.grantAuditAppend(this.auditAppend);
    if (settings) {
      // Their changes go through the desk's use cases: incidents (and their indexes), idempotency markers, the catalogue.
      fn.grantTable({ table: data.incidentsTable, indexNames: data.incidentIndexNames, key: data.key, access: ['read', 'write'] });
      fn.grantTable({ table: data.idempotencyTable, key: data.key, access: ['read', 'write'] });
      fn.grantTable({ table: data.catalogueTable, key: data.key, access: ['get'] });
      // The client approver's vote there is recorded through the changes' own use case: the change item read and put (conditionally).
      fn.grantTable({ table: data.changesTable, key: data.key, access: ['get', 'put'], leadingKeys: [CHANGE_PARTITION_PATTERN] });
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [settings.auth.secretArn, settings.webhookSecretArn] }));
      fn.grantQueueSend(jobFailures, data.key);
      props.clientContacts.grantRead(fn, data.key);
      new Rule(scope, 'ServiceNowPollSchedule', {
        description: "Reconciles with the client's ServiceNow: records changed there that no business-rule call brought",
        schedule: Schedule.rate(Duration.minutes(settings.poll.everyMinutes)),
        targets: [new LambdaFunction(fn.live, { retryAttempts: 2, maxEventAge: Duration.minutes(10), deadLetterQueue: jobFailures })],
      });
    }
    this.servicenow = fn;
    this.apiFunctions.servicenow = fn.function;
    this.functions.push(fn);
    this.alarmOnAuditWriteFailures(fn);
  }
}
