import { overrideAdapter } from '../../src/kernel/runtime/adapter-overrides';
import { ALARM_TAG_SOURCE } from '../../src/modules/monitoring/functions/adapter-keys';
import { CAPACITY_SOURCE } from '../../src/modules/reports/functions/adapter-keys';
import { FileAlarmTagSource } from './file-alarm-tag-source';
import { FileCapacitySource } from './file-capacity-source';
import { SERVICENOW_SECRETS } from '../../src/modules/servicenow/functions/adapter-keys';

/** The local runtime's own variables (never set by the stack): the files that stand in for CloudWatch. */
export const LOCAL_STAND_IN_ENV = {
  /** Alarm tags, `{ "<alarm arn>": { "itsm:severity": … } }` (FileAlarmTagSource). */
  alarmTagsFile: 'ITSM_LOCAL_ALARM_TAGS_FILE',
  /** Capacity metrics, `{ "<service>/<action>": [{ at, value }] }` (FileCapacitySource). */
  capacityMetricsFile: 'ITSM_LOCAL_CAPACITY_METRICS_FILE',
  /** The ServiceNow instance's basic-auth user and password, and the business rule's signing key (no Secrets Manager here). */
  servicenowUser: 'ITSM_SERVICENOW_USER',
  servicenowPassword: 'ITSM_SERVICENOW_PASSWORD',
  servicenowWebhookSecret: 'ITSM_SERVICENOW_WEBHOOK_SECRET',
} as const;

/**
 * Registers the local stand-ins for what the functions would read from CloudWatch, for each file
 * the environment names, through the adapter seam (src/kernel/runtime/adapter-overrides.ts) the
 * functions' factories ask first. The local Lambda worker calls it before loading a handler
 * (worker-preload.ts); tests call it before loading one. Returns what undoes the registration.
 */
export function registerLocalStandIns(env: Readonly<Record<string, string | undefined>> = process.env): () => void {
  const undo: (() => void)[] = [];
  const alarmTagsFile = env[LOCAL_STAND_IN_ENV.alarmTagsFile];
  if (alarmTagsFile) undo.push(overrideAdapter(ALARM_TAG_SOURCE, new FileAlarmTagSource(alarmTagsFile)));
  const capacityMetricsFile = env[LOCAL_STAND_IN_ENV.capacityMetricsFile];
  if (capacityMetricsFile) undo.push(overrideAdapter(CAPACITY_SOURCE, new FileCapacitySource(capacityMetricsFile)));
  const user = env[LOCAL_STAND_IN_ENV.servicenowUser];
  if (user) {
    const password = env[LOCAL_STAND_IN_ENV.servicenowPassword] ?? '';
    const webhookSecret = env[LOCAL_STAND_IN_ENV.servicenowWebhookSecret] ?? '';
    undo.push(
      overrideAdapter(SERVICENOW_SECRETS, {
        credentials: async () => ({ type: 'basic', user, password }),
        webhookSecret: async () => {
          if (!webhookSecret) throw new Error(`${LOCAL_STAND_IN_ENV.servicenowWebhookSecret} is not set: business-rule calls cannot be verified`);
          return webhookSecret;
        },
      }),
    );
  }
  return () => undo.forEach((u) => u());
}
