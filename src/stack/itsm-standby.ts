import type { IAspect } from 'aws-cdk-lib';
import { CfnRule } from 'aws-cdk-lib/aws-events';
import { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/**
 * The stack of the region that is not acting: a passive recovery stack, or the primary stack once
 * the recovery stack is promoted. Everything that acts on its own is off, so the two regions never
 * both run jobs on the same (replicated) data: the EventBridge rules (schedules, event ingestion,
 * the health alarms' rule) are DISABLED and the stream's event source mapping is not enabled. The
 * API and functions stay deployed (docs/disaster-recovery.md).
 */
export class Standby implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof CfnRule) node.state = 'DISABLED';
    if (node instanceof CfnEventSourceMapping) node.enabled = false;
  }
}
