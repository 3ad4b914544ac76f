import type { CfnResource } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaApplication, LambdaDeploymentConfig, LambdaDeploymentGroup, type ILambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Alias } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { DeploymentConfigName } from '../config/client-config-schema';
import { acknowledgeNagFinding } from '../kernel/infra/nag-acknowledgements';

/** The client config's `releases.deploymentConfig` → CodeDeploy's predefined Lambda configuration. */
export const LAMBDA_DEPLOYMENT_CONFIGS: Readonly<Record<DeploymentConfigName, ILambdaDeploymentConfig>> = {
  CANARY_10PERCENT_5MINUTES: LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  CANARY_10PERCENT_10MINUTES: LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  CANARY_10PERCENT_15MINUTES: LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  CANARY_10PERCENT_30MINUTES: LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
  LINEAR_10PERCENT_EVERY_1MINUTE: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  LINEAR_10PERCENT_EVERY_2MINUTES: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
  LINEAR_10PERCENT_EVERY_3MINUTES: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
  LINEAR_10PERCENT_EVERY_10MINUTES: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
  ALL_AT_ONCE: LambdaDeploymentConfig.ALL_AT_ONCE,
};

export interface ReleasedFunction {
  /** The function's construct id: names its deployment group. */
  readonly label: string;
  readonly live: Alias;
  /** Alarms on what the alias serves (errors, latency): any in ALARM during a deploy rolls it back. */
  readonly alarms: readonly IAlarm[];
}

export interface ItsmReleasesProps {
  readonly clientId: string;
  readonly deploymentConfig: DeploymentConfigName;
  readonly functions: readonly ReleasedFunction[];
}

/**
 * Safe releases: one CodeDeploy application for the stack, one role CodeDeploy assumes, and one
 * deployment group per function over its `live` alias. A deploy that changes a function publishes a
 * new version; CloudFormation hands the alias update to CodeDeploy, which shifts traffic by the
 * client's deployment configuration (default: 10 % for 5 minutes, then all) and rolls back to the
 * previous version when the deployment fails, is stopped, or one of the function's alarms goes
 * into ALARM (README "Deploying a client").
 */
export class ItsmReleases extends Construct {
  readonly application: LambdaApplication;
  readonly role: Role;
  readonly groups: LambdaDeploymentGroup[] = [];

  constructor(scope: Construct, id: string, props: ItsmReleasesProps) {
    super(scope, id);
    this.application = new LambdaApplication(this, 'Application', { applicationName: `rowe-itsm-${props.clientId}` });
    this.role = new Role(this, 'DeployRole', {
      assumedBy: new ServicePrincipal('codedeploy.amazonaws.com'),
      description: `rowe-itsm ${props.clientId}: CodeDeploy shifts the functions' live aliases`,
    });
    const deploymentConfig = LAMBDA_DEPLOYMENT_CONFIGS[props.deploymentConfig];
    for (const fn of props.functions) {
      if (fn.alarms.length === 0) throw new Error(`${fn.label}: a released function needs the alarms its deploys roll back on`);
      this.groups.push(
        new LambdaDeploymentGroup(this, fn.label, {
          application: this.application,
          alias: fn.live,
          deploymentConfig,
          alarms: [...fn.alarms],
          role: this.role,
          autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
        }),
      );
    }
    acknowledgeNagFinding(
      this.role.node.defaultChild as CfnResource,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      'The AWS-maintained policy CodeDeploy documents for Lambda deployments: it may only read and update the aliases of ' +
        'functions, read alarms and publish to SNS topics named for CodeDeploy; no inline policy could name the versions a deploy creates.',
    );
  }
}
