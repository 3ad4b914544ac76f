/** Who did something: every change, in every practice, is stamped with it. */
export interface Actor {
  /** Stable user id (Cognito `sub`) or machine client id. */
  readonly id: string;
  /** Human-readable name recorded on the record (Cognito username, `client:<id>`, `system:<job>`). */
  readonly name: string;
}
