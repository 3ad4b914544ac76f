import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolClient,
  UserPoolOperation,
  UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ROLES } from '../kernel/domain/access-policy';

export interface ItsmIdentityProps {
  readonly clientId: string;
  /** @default RemovalPolicy.RETAIN — users and their MFA enrolment outlive the stack. */
  readonly removalPolicy?: RemovalPolicy;
}

import { INTEGRATION_SCOPES, MACHINE_SCOPES, RESOURCE_SERVER_ID } from '../api/api-catalogue';
/** Resource server id and scopes (`itsm/incidents.write` and so on) come from the route catalogue. */
export { RESOURCE_SERVER_ID };
export { INTEGRATION_SCOPES };

/**
 * Who can call the API: people in a Cognito user pool (MFA required, strong passwords, threat
 * protection) whose groups are their roles, and client systems with the client-credentials grant.
 */
export class ItsmIdentity extends Construct {
  readonly userPool: UserPool;
  readonly deskClient: UserPoolClient;
  readonly integrationClient: UserPoolClient;

  constructor(scope: Construct, id: string, props: ItsmIdentityProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Users', {
      userPoolName: `rowe-itsm-${props.clientId}`,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 10,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // A changed email takes effect only once the new address is verified: until then the user
      // signs in, and recovers the account, with the original one.
      keepOriginal: { email: true },
      // Plus (or Essentials) is also what access-token customisation (the V2_0 pre-token trigger) needs.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    // People's roles are groups; `integration` is for machine clients and has no group.
    for (const role of ROLES.filter((r) => r !== 'integration')) {
      new CfnUserPoolGroup(this, `Group-${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: `rowe-itsm role ${role}`,
      });
    }

    // The desk signs in with SRP only: no hosted UI, so no OAuth grants or callback URLs.
    this.deskClient = this.userPool.addClient('DeskClient', {
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      generateSecret: false,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
    });

    const resourceServer = new UserPoolResourceServer(this, 'Api', {
      userPool: this.userPool,
      identifier: RESOURCE_SERVER_ID,
      scopes: MACHINE_SCOPES.map((name) => new ResourceServerScope({ scopeName: name, scopeDescription: `rowe-itsm ${name}` })),
    });
    this.integrationClient = this.userPool.addClient('IntegrationClient', {
      generateSecret: true,
      oAuth: {
        flows: { clientCredentials: true },
        scopes: INTEGRATION_SCOPES.map((name) => OAuthScope.custom(`${resourceServer.userPoolResourceServerId}/${name}`)),
      },
      accessTokenValidity: Duration.hours(1),
    });
    this.integrationClient.node.addDependency(resourceServer);
  }

  /**
   * The pre-token-generation trigger (event V2_0, people's sign-ins and refreshes only) that puts
   * the API's people scope (`itsm/people`) into people's access tokens and takes Cognito's
   * self-service scope out: the API accepts only the former, and a token without the latter cannot
   * change its user's email, password or MFA device. Needs the Essentials or Plus feature plan.
   */
  issuePeopleTokensWith(fn: IFunction): void {
    this.userPool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, fn, LambdaVersion.V2_0);
  }
}
