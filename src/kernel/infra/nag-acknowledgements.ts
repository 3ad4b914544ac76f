import { ArnFormat, Aws, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import { Policy, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * The one way this project acknowledges a cdk-nag finding: on a single CloudFormation resource
 * (never a construct that holds several, a stack or the app), with a reason a reviewer can check.
 * test/infra/cdk-nag.test.ts walks the construct tree and fails on any acknowledgement recorded
 * elsewhere, with a short reason, or for a finding that no longer fires. docs/security.md lists
 * every one of them.
 *
 * `id` is the rule id as cdk-nag reports it, including the finding for rules that report several
 * per resource, e.g. `AwsSolutions-IAM5[Resource::*]`.
 */
export function acknowledgeNagFinding(resource: CfnResource, id: string, reason: string): void {
  Validations.of(resource).acknowledge({ id, reason });
}

/**
 * A policy of its own holding one action on every resource of a kind in the stack's account and
 * region (resources that are the client's, created outside the stack and unknown to it), with the
 * wildcard's IAM5 finding acknowledged on that policy only. Pseudo parameters, not the stack's
 * literal region and account: one finding id for every client stack.
 */
export function accountWideActionPolicy(
  scope: Construct,
  id: string,
  options: { readonly role: IRole; readonly action: string; readonly service: string; readonly resource: string; readonly arnFormat: ArnFormat; readonly reason: string },
): Policy {
  const { role, action, service, resource, arnFormat, reason } = options;
  const policy = new Policy(scope, id, {
    roles: [role],
    statements: [
      new PolicyStatement({
        actions: [action],
        resources: [Stack.of(scope).formatArn({ service, region: Aws.REGION, account: Aws.ACCOUNT_ID, resource, resourceName: '*', arnFormat })],
      }),
    ],
  });
  const separator = arnFormat === ArnFormat.COLON_RESOURCE_NAME ? ':' : '/';
  acknowledgeNagFinding(policy.node.defaultChild as CfnResource, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}${separator}*]`, reason);
  return policy;
}
