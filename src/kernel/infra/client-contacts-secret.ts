import { RemovalPolicy, SecretValue, Stack, type CfnResource } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { ItsmFunction } from './itsm-function';
import { acknowledgeNagFinding } from './nag-acknowledgements';

/**
 * The client's contacts (people's names, e-mails and phones) in one Secrets Manager secret per
 * client stack, encrypted with the stack's data key, rather than in the functions' environment,
 * which every published version keeps and lambda:GetFunctionConfiguration shows. Its value is the
 * contacts JSON of the client file (validated by the stack); a deploy with edited contacts replaces
 * it. Only the functions that name contacts may read it (`grantRead`). docs/security.md, "Personal data".
 */
export class ClientContactsSecret {
  readonly secret: Secret;

  constructor(scope: Construct, props: { readonly clientId: string; readonly key: IKey; readonly contactsJson: string }) {
    this.secret = new Secret(scope, 'ClientContacts', {
      secretName: `rowe-itsm/${props.clientId}/client-contacts`,
      description: `The client's contacts (clients/${props.clientId}.json, contacts): who is told and escalated to`,
      encryptionKey: props.key,
      // The value is the client file's, written by each deploy: the template carries it (docs/security.md).
      secretStringValue: SecretValue.unsafePlainText(props.contactsJson),
      // Erasable: the stack's deletion deletes it (after Secrets Manager's recovery window).
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeNagFinding(
      this.secret.node.defaultChild as CfnResource,
      'AwsSolutions-SMG4',
      "The value is configuration, the client file's contacts, that changes with a deploy (which replaces it); it holds no credential, so there is nothing a rotation Lambda could rotate.",
    );
  }

  get secretArn(): string {
    return this.secret.secretArn;
  }

  /**
   * What a function that names contacts may do: GetSecretValue on this secret only, and kms:Decrypt
   * on the data key only through Secrets Manager for this secret (its encryption context).
   */
  grantRead(fn: ItsmFunction, key: IKey): void {
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }));
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `secretsmanager.${Stack.of(this.secret).region}.amazonaws.com`,
            'kms:EncryptionContext:SecretARN': this.secret.secretArn,
          },
        },
      }),
    );
  }
}
