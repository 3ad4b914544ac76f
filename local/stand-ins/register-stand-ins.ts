import { overrideAdapter } from '../../src/kernel/runtime/adapter-overrides';
import { ALARM_TAG_SOURCE } from '../../src/modules/monitoring/functions/adapter-keys';
import { CAPACITY_SOURCE } from '../../src/modules/reports/functions/adapter-keys';
import { AUDIT_CHAIN_ANCHOR, AUDIT_CHAIN_SEAL } from '../../src/modules/audit/functions/adapter-keys';
import { FileChainAnchor } from './file-chain-anchor';
import { HmacChainSeal } from './hmac-chain-seal';
import { FileAlarmTagSource } from './file-alarm-tag-source';
import { FileCapacitySource } from './file-capacity-source';
import { readFileSync } from 'node:fs';
import { CloudFrontCookieSigner, FolderBundleLinks, FolderSiteStore, HostedUiIdentityProvider } from '../../src/modules/selfhelp/adapters';
import { LOCAL_BUNDLE_PATH } from '../local-paths';
import { SITE_BUNDLE, SITE_SIGN_IN, SITE_STORE } from '../../src/modules/selfhelp/functions';
import { SERVICENOW_SECRETS } from '../../src/modules/servicenow/functions/adapter-keys';
import { LOCAL_CALL_CENTRES } from '../../src/modules/oncall/functions/adapter-keys';
import { CLIENT_CONTACTS_SECRETS } from '../../src/platform/client-contacts';
import { FileSecretSource } from './file-secret-source';

/** The local runtime's own variables (never set by the stack): the files that stand in for CloudWatch. */
export const LOCAL_STAND_IN_ENV = {
  /** Alarm tags, `{ "<alarm arn>": { "itsm:severity": … } }` (FileAlarmTagSource). */
  alarmTagsFile: 'ITSM_LOCAL_ALARM_TAGS_FILE',
  /** Capacity metrics, `{ "<service>/<action>": [{ at, value }] }` (FileCapacitySource). */
  capacityMetricsFile: 'ITSM_LOCAL_CAPACITY_METRICS_FILE',
  /** The self-help site's folder (FolderSiteStore), in place of its S3 bucket, and the address it is served at. */
  selfHelpDir: 'ITSM_LOCAL_SELFHELP_DIR',
  selfHelpUrl: 'ITSM_LOCAL_SELFHELP_URL',
  /** The HMAC key that seals audit chain entries in place of the KMS key (HmacChainSeal). */
  auditSealKeyFile: 'ITSM_LOCAL_AUDIT_SEAL_KEY_FILE',
  /** The versions of the anchored audit chain head, in place of the S3 Object Lock bucket (FileChainAnchor). */
  auditAnchorFile: 'ITSM_LOCAL_AUDIT_ANCHOR_FILE',
  /** The ServiceNow instance's basic-auth user and password, and the business rule's signing key (no Secrets Manager here). */
  servicenowUser: 'ITSM_SERVICENOW_USER',
  servicenowPassword: 'ITSM_SERVICENOW_PASSWORD',
  servicenowWebhookSecret: 'ITSM_SERVICENOW_WEBHOOK_SECRET',
  /**
   * A fake call centre's signing key (no Secrets Manager here), and the `host:port`s (comma-separated)
   * of fake call centres that pages may reach over http on the loopback, which the SSRF guard refuses otherwise.
   */
  callCentreSecret: 'ITSM_LOCAL_CALL_CENTRE_SECRET',
  callCentreHosts: 'ITSM_LOCAL_CALL_CENTRE_HOSTS',
  /**
   * A site behind the client's sign-in: the cookie-signing private key (in place of its secret) with
   * the key pair id the local CloudFront stand-in trusts it under, and the local token issuer's OAuth
   * face (in place of the hosted UI) with the site's app client there.
   */
  siteCookieKeyFile: 'ITSM_LOCAL_SITE_COOKIE_KEY_FILE',
  siteKeyPairId: 'ITSM_LOCAL_SITE_KEY_PAIR_ID',
  signInIssuerUrl: 'ITSM_LOCAL_SIGN_IN_ISSUER_URL',
  signInClientId: 'ITSM_LOCAL_SIGN_IN_CLIENT_ID',
  /** The SecretString of each secret the template defines with a value (the client contacts), by local ARN (FileSecretSource). */
  secretsFile: 'ITSM_LOCAL_SECRETS_FILE',
} as const;

/**
 * Registers the local stand-ins for what the functions would read from CloudWatch (and the audit
 * chain's KMS seal and S3 anchor), for each file
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
  const selfHelpDir = env[LOCAL_STAND_IN_ENV.selfHelpDir];
  const selfHelpUrl = env[LOCAL_STAND_IN_ENV.selfHelpUrl];
  if (selfHelpDir && selfHelpUrl) {
    undo.push(overrideAdapter(SITE_STORE, { store: new FolderSiteStore(selfHelpDir), baseUrl: selfHelpUrl }));
    // The bundle's link: a path on the local server's own address (the route makes it absolute) in place of a pre-signed S3 URL.
    undo.push(overrideAdapter(SITE_BUNDLE, new FolderBundleLinks(selfHelpDir, LOCAL_BUNDLE_PATH, { now: () => new Date() })));
  }
  const siteCookieKeyFile = env[LOCAL_STAND_IN_ENV.siteCookieKeyFile];
  const signInIssuerUrl = env[LOCAL_STAND_IN_ENV.signInIssuerUrl];
  if (siteCookieKeyFile && signInIssuerUrl && selfHelpUrl) {
    undo.push(
      overrideAdapter(SITE_SIGN_IN, {
        // The same adapter as on AWS, pointed at the local issuer (it serves the hosted UI's paths and the pool's keys).
        identity: new HostedUiIdentityProvider({ domainUrl: signInIssuerUrl, issuer: signInIssuerUrl, clientId: env[LOCAL_STAND_IN_ENV.signInClientId] ?? '' }),
        signer: new CloudFrontCookieSigner({ privateKeyPem: readFileSync(siteCookieKeyFile, 'utf8'), keyPairId: env[LOCAL_STAND_IN_ENV.siteKeyPairId] ?? '' }),
        siteUrl: selfHelpUrl,
      }),
    );
  }
  const auditSealKeyFile = env[LOCAL_STAND_IN_ENV.auditSealKeyFile];
  if (auditSealKeyFile) undo.push(overrideAdapter(AUDIT_CHAIN_SEAL, HmacChainSeal.fromKeyFile(auditSealKeyFile)));
  const auditAnchorFile = env[LOCAL_STAND_IN_ENV.auditAnchorFile];
  if (auditAnchorFile) undo.push(overrideAdapter(AUDIT_CHAIN_ANCHOR, new FileChainAnchor(auditAnchorFile)));
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
  const callCentreSecret = env[LOCAL_STAND_IN_ENV.callCentreSecret];
  if (callCentreSecret) {
    const localHosts = (env[LOCAL_STAND_IN_ENV.callCentreHosts] ?? '').split(',').map((h) => h.trim()).filter(Boolean);
    undo.push(overrideAdapter(LOCAL_CALL_CENTRES, { signingKey: async () => callCentreSecret, localHosts }));
  }
  const secretsFile = env[LOCAL_STAND_IN_ENV.secretsFile];
  if (secretsFile) undo.push(overrideAdapter(CLIENT_CONTACTS_SECRETS, new FileSecretSource(secretsFile)));
  return () => undo.forEach((u) => u());
}
