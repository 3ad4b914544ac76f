import type { Tracer } from '@aws-lambda-powertools/tracer';
import { adapterOverride } from '../../../kernel/runtime/adapter-overrides';
import { lazily } from '../../../kernel/runtime/lazy-factory';
import type { EnvironmentValues } from '../../../platform/environment-contract';
import type { SiteSignInDeps } from '../app/site-sign-in';
import { CloudFrontCookieSigner } from '../adapters/cloudfront-cookie-signer';
import { HostedUiIdentityProvider, newSignInSecrets } from '../adapters/hosted-ui-identity-provider';
import { SITE_SIGN_IN } from './adapter-keys';
import type { SITE_SIGN_IN_ENVIRONMENT } from './environment';

/**
 * The sign-in's deps: Cognito's hosted UI and the private key from its secret (read on the first
 * callback, cached by Powertools for five minutes), or the local runtime's stand-ins.
 */
export function createSiteSignIn(options: {
  readonly env: EnvironmentValues<typeof SITE_SIGN_IN_ENVIRONMENT>;
  readonly clock: { now(): Date };
  readonly tracer: Tracer;
}): SiteSignInDeps {
  const { env } = options;
  const override = adapterOverride(SITE_SIGN_IN);
  const sessionMinutes = Number(env.selfHelpSessionMinutes);
  if (!Number.isInteger(sessionMinutes) || sessionMinutes <= 0) throw new Error(`SELFHELP_SESSION_MINUTES must be whole minutes: ${env.selfHelpSessionMinutes}`);
  const secrets = lazily(async () => (await import('../../../platform/on-demand/secrets-manager-client')).createSecretSource(options.tracer));
  return {
    siteUrl: override?.siteUrl ?? env.selfHelpUrl,
    identity: override?.identity ?? new HostedUiIdentityProvider({ domainUrl: env.selfHelpSignInDomain, issuer: env.selfHelpSignInIssuer, clientId: env.selfHelpSignInClientId }),
    signer: override
      ? async () => override.signer
      : async () => new CloudFrontCookieSigner({ privateKeyPem: await (await secrets()).secretString(env.selfHelpSigningKeySecret), keyPairId: env.selfHelpKeyPairId }),
    readerRoles: env.selfHelpReaderRoles.split(',').filter(Boolean),
    sessionSeconds: sessionMinutes * 60,
    now: () => options.clock.now(),
    newSignInSecrets,
  };
}
