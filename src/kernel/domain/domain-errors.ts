/**
 * Errors raised by the domain and the use cases. Each carries what a caller needs to fix the
 * request; the HTTP layer maps them to RFC 9457 problem details, so nothing here knows HTTP.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(
    message: string,
    /** The request field or rule that caused the error, e.g. `impact` or `lifecycle`. */
    readonly subject?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export type DomainErrorKind =
  | 'invalid-input'
  | 'forbidden'
  | 'not-found'
  | 'illegal-transition'
  | 'version-conflict'
  | 'precondition-required'
  | 'already-exists'
  | 'too-many-requests';

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export class InvalidInputError extends DomainError {
  readonly kind = 'invalid-input' as const;
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues[0]?.field);
  }
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
}

export class NotFoundError extends DomainError {
  readonly kind = 'not-found' as const;
}

export class IllegalTransitionError extends DomainError {
  readonly kind = 'illegal-transition' as const;
  constructor(
    readonly from: string,
    readonly to: string,
    readonly allowed: readonly string[],
    what = 'An incident',
  ) {
    super(
      `${what} in state "${from}" cannot move to "${to}"; allowed next states: ${
        allowed.length ? allowed.map((s) => `"${s}"`).join(', ') : 'none (final state)'
      }`,
      'state',
    );
  }
}

export class VersionConflictError extends DomainError {
  readonly kind = 'version-conflict' as const;
  constructor(
    /** The version the writer read, or the If-Match field as sent when it names no one version. */
    readonly expected: number | string,
    readonly current: number | undefined,
  ) {
    super(
      typeof expected === 'string'
        ? `If-Match ${JSON.stringify(expected)} names no current ETag${current === undefined ? '' : ` (the current one is "${current}")`}; fetch the resource again and retry`
        : current === undefined
          ? `The resource changed since version ${expected} was read; fetch it again and retry`
          : `If-Match names version ${expected} but the current version is ${current}; fetch it again and retry`,
      'If-Match',
    );
  }
}

export class PreconditionRequiredError extends DomainError {
  readonly kind = 'precondition-required' as const;
}

/** A record with this id exists already (ids chosen by the caller, e.g. a service id). */
export class AlreadyExistsError extends DomainError {
  readonly kind = 'already-exists' as const;
}

/** A catalogue record's lifecycle does not allow the change (e.g. changing a retired service). */
export class LifecycleError extends DomainError {
  readonly kind = 'illegal-transition' as const;
}

/** The caller has used up a quota (429); `retryAfterSeconds` becomes the Retry-After header. */
export class TooManyRequestsError extends DomainError {
  readonly kind = 'too-many-requests' as const;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, 'quota');
  }
}
