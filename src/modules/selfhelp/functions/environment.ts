import { ENV, environmentContract } from '../../../platform/environment-contract';

/** site-sign-in-handler.ts: the sign-in of a site behind the client's sign-in (no table). */
export const SITE_SIGN_IN_ENVIRONMENT = environmentContract({
  selfHelpUrl: ENV.selfHelpUrl,
  selfHelpSigningKeySecret: ENV.selfHelpSigningKeySecret,
  selfHelpKeyPairId: ENV.selfHelpKeyPairId,
  selfHelpSignInDomain: ENV.selfHelpSignInDomain,
  selfHelpSignInIssuer: ENV.selfHelpSignInIssuer,
  selfHelpSignInClientId: ENV.selfHelpSignInClientId,
  selfHelpReaderRoles: ENV.selfHelpReaderRoles,
  selfHelpSessionMinutes: ENV.selfHelpSessionMinutes,
});
