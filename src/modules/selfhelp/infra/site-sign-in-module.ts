import { Duration } from 'aws-cdk-lib';
import { OAuthScope, UserPoolClientIdentityProvider, type UserPool } from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { environmentOf } from '../../../platform/environment-contract';
import { SITE_SIGN_IN_ENVIRONMENT } from '../functions/environment';
import type { ItsmSelfHelpSite } from './itsm-self-help-site';

export interface SiteSignInModuleProps extends ItsmModuleProps {
  readonly site: ItsmSelfHelpSite;
  readonly userPool: UserPool;
  readonly signIn: { readonly hostedUiDomainPrefix: string; readonly readerRoles: readonly string[]; readonly sessionMinutes: number };
}

/**
 * The sign-in of a self-help site behind the client's sign-in: the user pool's hosted UI (a Cognito
 * domain), an app client for the site (authorization code with PKCE, no secret, `openid` only,
 * returning to the site's /auth/callback), and the function serving /auth/* (the `selfhelp`
 * group), the only one that may read the cookie-signing key.
 */
export class SiteSignInModule extends ItsmModule {
  readonly signInFunction: ItsmFunction;

  constructor(scope: Construct, props: SiteSignInModuleProps) {
    super(scope, props);
    const { site, userPool, signIn } = props;
    // The callback must not name the distribution (it reaches this function through the API, whose
    // environment names this client): the config requires the site's own domain with a sign-in.
    if (!site.domainName) throw new Error('A self-help site behind the sign-in needs its own domain name (selfHelp.site.domainName)');
    const siteUrl = `https://${site.domainName}/`;
    const domain = userPool.addDomain('SiteSignInDomain', { cognitoDomain: { domainPrefix: signIn.hostedUiDomainPrefix } });
    const client = userPool.addClient('SiteClient', {
      generateSecret: false,
      preventUserExistenceErrors: true,
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID],
        callbackUrls: [`${siteUrl}auth/callback`],
        logoutUrls: [siteUrl],
      },
      // The ID token is read once, in the callback; the site's session is the signed cookies'.
      idTokenValidity: Duration.minutes(5),
      accessTokenValidity: Duration.minutes(5),
      refreshTokenValidity: Duration.hours(1),
    });
    const fn = new ItsmFunction(scope, 'SiteSignInFunction', {
      entry: 'src/modules/selfhelp/functions/site-sign-in-handler.ts',
      serviceName: 'selfhelp',
      logRetention: props.logRetention,
      logKey: props.data.key,
      memorySize: 256,
      environment: environmentOf(SITE_SIGN_IN_ENVIRONMENT, {
        selfHelpUrl: siteUrl,
        selfHelpSigningKeySecret: site.signIn!.privateKey.secretArn,
        selfHelpKeyPairId: site.signIn!.publicKey.publicKeyId,
        selfHelpSignInDomain: domain.baseUrl(),
        selfHelpSignInIssuer: `https://${userPool.userPoolProviderUrl}`,
        selfHelpSignInClientId: client.userPoolClientId,
        selfHelpReaderRoles: signIn.readerRoles.join(','),
        selfHelpSessionMinutes: String(signIn.sessionMinutes),
      }),
    });
    site.grantCookieSigning(fn);
    this.signInFunction = fn;
    this.apiFunctions.selfhelp = fn.function;
    this.functions.push(fn);
  }
}
