import type { ClientSettings } from '../../../config/client-settings-schema';
import { adapterKey, adapterOverride } from '../../../kernel/runtime/adapter-overrides';

/**
 * What a runtime without AWS supplies for call-centre webhooks (src/kernel/runtime/adapter-overrides.ts):
 * the signing key in place of Secrets Manager, and the fake call centres' `host:port`s that may be
 * called over http on the loopback. No SDK here: the local runtime's preload imports it.
 */
export interface LocalCallCentres {
  signingKey(): Promise<string>;
  readonly localHosts: readonly string[];
}

/** Registered by local/stand-ins/register-stand-ins.ts from ITSM_LOCAL_CALL_CENTRE_SECRET / _HOSTS; never in AWS. */
export const LOCAL_CALL_CENTRES = adapterKey<LocalCallCentres>('oncall/local-call-centres');

/**
 * Whether pages can be sent to call-centre webhooks: the client config names a signing key (or the
 * local runtime supplies one). Here, not in the factory, so the SLA function asks without bundling it.
 */
export function callCentreWebhooksEnabled(settings: Pick<ClientSettings, 'integrations'>): boolean {
  return settings.integrations.callCentreWebhooks !== undefined || adapterOverride(LOCAL_CALL_CENTRES) !== undefined;
}
