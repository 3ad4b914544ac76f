import {
  DomainError,
  ForbiddenError,
  IllegalTransitionError,
  InvalidInputError,
  NotFoundError,
  PreconditionRequiredError,
  VersionConflictError,
} from '../../src/kernel/domain/domain-errors';
import { PROBLEM_TYPES, problem, problemFromError, problemResponse } from '../../src/kernel/http/problem-details';

const BASE = 'https://rowe-itsm.example/problems/';

describe('problemFromError: each domain error kind', () => {
  test.each<[string, DomainError, number, string]>([
    ['InvalidInputError', new InvalidInputError([{ field: 'impact', message: 'must be 1, 2 or 3' }]), 400, 'invalid-input'],
    ['ForbiddenError', new ForbiddenError('You may not update incidents'), 403, 'forbidden'],
    ['NotFoundError', new NotFoundError('No incident INC0000009'), 404, 'not-found'],
    ['IllegalTransitionError', new IllegalTransitionError('Closed', 'New', []), 409, 'illegal-transition'],
    ['VersionConflictError', new VersionConflictError(3, 4), 412, 'version-conflict'],
    ['PreconditionRequiredError', new PreconditionRequiredError('Send If-Match', 'If-Match'), 428, 'precondition-required'],
  ])('%s → %i %s', (_name, error, status, type) => {
    const details = problemFromError(error);
    expect(details).toBeDefined();
    expect(details?.status).toBe(status);
    expect(details?.type).toBe(`${BASE}${type}`);
    expect(details?.title).toBe(PROBLEM_TYPES[type as keyof typeof PROBLEM_TYPES].title);
    expect(details?.detail).toBe(error.message);
  });

  test('InvalidInputError carries every issue as errors', () => {
    const issues = [
      { field: 'impact', message: 'must be 1, 2 or 3' },
      { field: 'priority', message: 'is not a known field' },
    ];
    expect(problemFromError(new InvalidInputError(issues))).toEqual({
      type: `${BASE}invalid-input`,
      title: 'The request is not valid',
      status: 400,
      detail: 'impact: must be 1, 2 or 3; priority: is not a known field',
      errors: issues,
    });
  });

  test('IllegalTransitionError includes allowedNextStates and names the state field', () => {
    const error = new IllegalTransitionError('New', 'Resolved', ['In Progress', 'Canceled']);
    const details = problemFromError(error);
    expect(details?.status).toBe(409);
    expect(details?.['allowedNextStates']).toEqual(['In Progress', 'Canceled']);
    expect(details?.errors).toEqual([{ field: 'state', message: error.message }]);
  });

  test('IllegalTransitionError from a final state has an empty allowedNextStates', () => {
    expect(problemFromError(new IllegalTransitionError('Closed', 'In Progress', []))?.['allowedNextStates']).toEqual([]);
  });

  test('other errors have no allowedNextStates', () => {
    expect(problemFromError(new VersionConflictError(3, 4))).not.toHaveProperty('allowedNextStates');
    expect(problemFromError(new InvalidInputError([{ field: 'a', message: 'b' }]))).not.toHaveProperty('allowedNextStates');
  });

  test('VersionConflictError names If-Match and both versions', () => {
    const details = problemFromError(new VersionConflictError(3, 5));
    expect(details?.errors?.[0]?.field).toBe('If-Match');
    expect(details?.detail).toContain('version 3');
    expect(details?.detail).toContain('current version is 5');
  });

  test('VersionConflictError without a current version', () => {
    const details = problemFromError(new VersionConflictError(3, undefined));
    expect(details?.status).toBe(412);
    expect(details?.detail).toContain('changed since version 3');
  });

  test('an error with a subject becomes a single field error', () => {
    expect(problemFromError(new PreconditionRequiredError('Send If-Match', 'If-Match'))?.errors).toEqual([
      { field: 'If-Match', message: 'Send If-Match' },
    ]);
  });

  test('an error without a subject has no errors member', () => {
    expect(problemFromError(new ForbiddenError('Not yours'))).not.toHaveProperty('errors');
    expect(problemFromError(new NotFoundError('Gone'))).not.toHaveProperty('errors');
  });

  test('instance is included when given', () => {
    expect(problemFromError(new NotFoundError('Gone'), '/incidents/INC0000009')?.instance).toBe('/incidents/INC0000009');
    expect(problemFromError(new NotFoundError('Gone'))).not.toHaveProperty('instance');
    expect(problemFromError(new NotFoundError('Gone'), '')).not.toHaveProperty('instance');
  });
});

describe('problemFromError: anything else', () => {
  test.each<[string, unknown]>([
    ['Error', new Error('boom')],
    ['TypeError', new TypeError('x is undefined')],
    ['a string', 'invalid-input'],
    ['undefined', undefined],
    ['null', null],
    ['a look-alike object', { kind: 'not-found', message: 'Gone', subject: 'id' }],
  ])('%s → undefined', (_label, error) => {
    expect(problemFromError(error)).toBeUndefined();
  });
});

describe('problem and problemResponse', () => {
  test.each(Object.entries(PROBLEM_TYPES))('problem(%j) uses its status and title', (type, { status, title }) => {
    const details = problem(type as keyof typeof PROBLEM_TYPES, 'detail text');
    expect(details).toEqual({ type: `${BASE}${type}`, title, status, detail: 'detail text' });
  });

  test('problem type statuses', () => {
    expect(PROBLEM_TYPES['unsupported-media-type'].status).toBe(415);
    expect(PROBLEM_TYPES['body-too-large'].status).toBe(400);
    expect(PROBLEM_TYPES['malformed-body'].status).toBe(400);
    expect(PROBLEM_TYPES.unauthorized.status).toBe(401);
    expect(PROBLEM_TYPES['method-not-allowed'].status).toBe(405);
    expect(PROBLEM_TYPES.internal.status).toBe(500);
  });

  test('problemResponse is an application/problem+json response with the status', () => {
    const details = problem('not-found', 'No incident INC0000009');
    const response = problemResponse(details, { 'X-Request-Id': 'r-1' });
    expect(response.statusCode).toBe(404);
    expect(response.headers).toEqual({
      'Content-Type': 'application/problem+json',
      'Cache-Control': 'no-store',
      'X-Request-Id': 'r-1',
    });
    expect(JSON.parse(response.body)).toEqual(details);
  });
});
