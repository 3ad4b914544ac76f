import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface ItsmNotificationsProps {
  readonly clientId: string;
  /** Encrypts the topics at rest. */
  readonly key: IKey;
}

/**
 * The SNS topics the functions notify through: major incidents, escalations, security incidents.
 * Ops subscribe e-mail, SMS or chat endpoints per client; messages carry priority, level and
 * client as attributes for subscription filters. Publishers must use TLS.
 */
export class ItsmNotifications extends Construct {
  readonly majorIncidents: Topic;
  readonly escalations: Topic;
  readonly security: Topic;

  constructor(scope: Construct, id: string, props: ItsmNotificationsProps) {
    super(scope, id);
    const topic = (name: string, description: string) =>
      new Topic(this, name, {
        topicName: `rowe-itsm-${props.clientId}-${description}`,
        displayName: `rowe-itsm ${props.clientId} ${description}`,
        masterKey: props.key,
        enforceSSL: true,
      });
    this.majorIncidents = topic('MajorIncidents', 'major-incidents');
    this.escalations = topic('Escalations', 'escalations');
    this.security = topic('Security', 'security');
  }

  get all(): Topic[] {
    return [this.majorIncidents, this.escalations, this.security];
  }
}
