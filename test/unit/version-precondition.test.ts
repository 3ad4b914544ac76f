import { PreconditionRequiredError, VersionConflictError } from '../../src/kernel/domain/domain-errors';
import { assertVersionPrecondition } from '../../src/kernel/domain/version-precondition';
import { parseIfMatch } from '../../src/kernel/http/http-request';
import { problemFromError } from '../../src/kernel/http/problem-details';
import { thrownBy } from '../support/thrown-by';

/** RFC 9110 §13.1.1 evaluated against the version a use case just read (here 3). */
const statusFor = (field: string | undefined): number => {
  try {
    assertVersionPrecondition(field === undefined ? undefined : parseIfMatch(field), 3);
    return 200;
  } catch (error) {
    return problemFromError(error)?.status ?? 500;
  }
};

test.each<[string | undefined, number]>([
  [undefined, 428],
  ['"3"', 200],
  ['*', 200],
  ['"1", "3"', 200],
  ['"2"', 412],
  ['"1", "2"', 412],
  ['W/"3"', 412],
  ['"garbage"', 412],
  ['garbage', 412],
  ['3', 412],
  ['', 412],
])('If-Match %j on version 3 → %i', (field, status) => {
  expect(statusFor(field)).toBe(status);
});

test('a stale version names both versions; a field naming none is quoted as sent', () => {
  const stale = thrownBy(() => assertVersionPrecondition(parseIfMatch('"2"'), 3)) as VersionConflictError;
  expect(stale).toBeInstanceOf(VersionConflictError);
  expect(stale.message).toBe('If-Match names version 2 but the current version is 3; fetch it again and retry');
  const garbage = thrownBy(() => assertVersionPrecondition(parseIfMatch('"garbage"'), 3)) as VersionConflictError;
  expect(garbage.message).toBe('If-Match "\\"garbage\\"" names no current ETag (the current one is "3"); fetch the resource again and retry');
  expect(garbage.subject).toBe('If-Match');
});

test('absent: 428 naming If-Match', () => {
  const error = thrownBy(() => assertVersionPrecondition(undefined, 3));
  expect(error).toBeInstanceOf(PreconditionRequiredError);
  expect((error as PreconditionRequiredError).subject).toBe('If-Match');
});

test('in-process callers may name the version they read as a number', () => {
  expect(() => assertVersionPrecondition(3, 3)).not.toThrow();
  expect(thrownBy(() => assertVersionPrecondition(2, 3))).toBeInstanceOf(VersionConflictError);
});
