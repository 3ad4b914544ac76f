import { Validations, type CfnResource } from 'aws-cdk-lib';

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
