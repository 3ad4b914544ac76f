/**
 * What the user pool's pre-token-generation trigger (event version V2_0: people's sign-ins and
 * refreshes, never client-credentials grants) changes in a person's access token: the API's own
 * people scope is added and Cognito's self-service scope is taken out. Pure: the scopes are given.
 */
export interface PeopleTokenScopes {
  /** The scope every API method accepts from people (`itsm/people`). */
  readonly add: string;
  /** Scopes no person's token may carry (`aws.cognito.signin.user.admin`). */
  readonly suppress: readonly string[];
}

export interface AccessTokenOverride {
  readonly claimsAndScopeOverrideDetails: {
    readonly accessTokenGeneration: { readonly scopesToAdd: string[]; readonly scopesToSuppress: string[] };
  };
}

export function peopleTokenOverride(scopes: PeopleTokenScopes): AccessTokenOverride {
  return { claimsAndScopeOverrideDetails: { accessTokenGeneration: { scopesToAdd: [scopes.add], scopesToSuppress: [...scopes.suppress] } } };
}
