import { adapterKey } from '../../../kernel/runtime/adapter-overrides';
import type { ServiceNowCredentials } from '../adapters/servicenow-table-client';

/**
 * The adapters of this module's functions that a runtime without AWS may supply in their place
 * (src/kernel/runtime/adapter-overrides.ts). No SDK here: the local runtime's preload imports it.
 */
export interface ServiceNowSecrets {
  credentials(): Promise<ServiceNowCredentials>;
  webhookSecret(): Promise<string>;
}

/** Where the local runtime puts the credentials it reads from ITSM_SERVICENOW_USER / _PASSWORD / _WEBHOOK_SECRET (no Secrets Manager there). */
export const SERVICENOW_SECRETS = adapterKey<ServiceNowSecrets>('servicenow/secrets');
