import { ENV, environmentContract } from '../../../platform/environment-contract';

/** oncall-handler.ts: schedules and escalation policies (API), and the daily gap check. */
export const ONCALL_ENVIRONMENT = environmentContract({
  oncallTable: ENV.oncallTable,
  auditTable: ENV.auditTable,
  clientSettings: ENV.clientSettings,
  /** The client's contacts (personal data): a secret, not the environment. */
  clientContactsSecret: ENV.clientContactsSecret,
});
