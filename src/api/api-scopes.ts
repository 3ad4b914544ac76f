/**
 * The OAuth scopes of the API, apart from the route catalogue so that a function can name them
 * without loading every route's schemas (the meta function's token trigger).
 */

/** The resource server of the client's user pool: scopes read `itsm/<group>.read|write`. */
export const RESOURCE_SERVER_ID = 'itsm';

/**
 * The scope of every person's access token: added by the user pool's pre-token-generation trigger
 * (the meta function) to the tokens of people who sign in, never granted to an app client (it is
 * not one of the resource server's scopes, so no client-credentials grant can ask for it).
 */
export const PEOPLE_SCOPE = `${RESOURCE_SERVER_ID}/people`;

/**
 * Cognito's self-service scope: with it, an access token may change its own user's email, password
 * and MFA device. No API method accepts it, and the trigger takes it out of people's tokens, so a
 * leaked token cannot take over the account it belongs to.
 */
export const COGNITO_SELF_SERVICE_SCOPE = 'aws.cognito.signin.user.admin';
