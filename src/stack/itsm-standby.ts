import type { IAspect } from 'aws-cdk-lib';
import { CfnRule } from 'aws-cdk-lib/aws-events';
import { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/**
 * A passive recovery stack: everything that acts on its own is off, so the stack serves requests
 * (reads, for a check) but never works on the replicas while the primary region is live: the
 * EventBridge rules (schedules, event ingestion, the health alarms' rule) are DISABLED and the
 * stream's event source mapping is not enabled. Promotion (`recovery.promoted: true`) deploys the
 * same stack without this aspect (docs/disaster-recovery.md).
 */
export class Standby implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof CfnRule) node.state = 'DISABLED';
    if (node instanceof CfnEventSourceMapping) node.enabled = false;
  }
}
