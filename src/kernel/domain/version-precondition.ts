import { PreconditionRequiredError, VersionConflictError } from './domain-errors';

/**
 * What a change request's If-Match (RFC 9110 §13.1.1) asks of the resource's version: `*`, any
 * current version; otherwise one of the versions named by the strong entity tags listed. Tags this
 * API never issues (weak ones, `"abc"`, anything unparseable) name no version, so they never match.
 * `field` is the header as sent, for the answer. A bare number is that one version, as in-process
 * callers (jobs, tests, the bench) that read it name it.
 */
export type VersionPrecondition =
  | number
  | { readonly any: true; readonly field: string }
  | { readonly any: false; readonly versions: readonly number[]; readonly field: string };

/**
 * Evaluates If-Match against the version just read: absent → 428 (PreconditionRequiredError);
 * naming no current version → 412 (VersionConflictError). The caller then writes conditioned on
 * `current` (the version read), never on the header, so `*` is as atomic as a named version.
 */
export function assertVersionPrecondition(precondition: VersionPrecondition | undefined, current: number, what = 'the version you read'): void {
  if (precondition === undefined) throw new PreconditionRequiredError(`Send If-Match with the ETag of ${what} (or * for any version)`, 'If-Match');
  if (typeof precondition === 'number') {
    if (precondition !== current) throw new VersionConflictError(precondition, current);
    return;
  }
  if (precondition.any || precondition.versions.includes(current)) return;
  const [only] = precondition.versions;
  throw precondition.versions.length === 1 && only !== undefined ? new VersionConflictError(only, current) : new VersionConflictError(precondition.field, current);
}
