import { Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ClientConfig } from './config/client-config-schema';
import { ItsmApi } from './constructs/itsm-api';
import { ItsmData } from './constructs/itsm-data';
import { ItsmFunction } from './constructs/itsm-function';
import { ItsmIdentity } from './constructs/itsm-identity';

export interface ItsmStackProps extends StackProps {
  readonly config: ClientConfig;
}

/** One client's whole ITSM backend, pinned to the client's account and region. */
export class ItsmStack extends Stack {
  readonly data: ItsmData;
  readonly api: ItsmApi;
  readonly identity: ItsmIdentity;
  readonly config: ClientConfig;

  constructor(scope: Construct, id: string, props: ItsmStackProps) {
    const { config } = props;
    super(scope, id, {
      ...props,
      env: { account: config.account, region: config.region },
      description: `rowe-itsm ITSM backend for ${config.name} (${config.id})`,
      terminationProtection: true,
    });
    this.config = config;
    Tags.of(this).add('rowe-itsm:client', config.id);

    this.data = new ItsmData(this, 'Data', { clientId: config.id });
    this.identity = new ItsmIdentity(this, 'Identity', { clientId: config.id });

    const logRetention = config.logRetentionDays as RetentionDays;
    const clientSettings = JSON.stringify({
      id: config.id,
      timeZone: config.timeZone,
      priorityMatrix: config.priorityMatrix,
      slaTargets: config.slaTargets,
    });

    const incidents = new ItsmFunction(this, 'IncidentsFunction', {
      entry: 'lambdas/handlers/incidents-handler.ts',
      serviceName: 'incidents',
      logRetention,
      logKey: this.data.key,
      environment: {
        INCIDENTS_TABLE_NAME: this.data.incidentsTable.tableName,
        ITSM_CLIENT_SETTINGS: clientSettings,
      },
    });
    incidents.grantTable(this.data.incidentsTable, this.data.key, 'read', 'write');

    const meta = new ItsmFunction(this, 'MetaFunction', {
      entry: 'lambdas/handlers/meta-handler.ts',
      serviceName: 'meta',
      logRetention,
      logKey: this.data.key,
      memorySize: 256,
    });

    this.api = new ItsmApi(this, 'Http', {
      clientId: config.id,
      userPool: this.identity.userPool,
      functions: { incidents: incidents.function, meta: meta.function },
      logRetention,
      logKey: this.data.key,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Base URL of the REST API' });
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'DeskClientId', { value: this.identity.deskClient.userPoolClientId });
  }
}
