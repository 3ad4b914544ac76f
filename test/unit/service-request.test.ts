import type { Caller } from '../../src/kernel/domain/access-policy';
import { requestScope } from '../../src/kernel/domain/access-policy';
import { IllegalTransitionError, LifecycleError } from '../../src/kernel/domain/domain-errors';
import { InvalidInputError } from '../../src/kernel/domain/domain-errors';
import { addRequestComment, MAX_REQUEST_COMMENT_BYTES, MAX_REQUEST_COMMENTS, moveRequest, newRequest, requestRulesFor, transferRequest, type RequestPolicy } from '../../src/modules/changes/domain/service-request';

const POLICY: RequestPolicy = { fulfilmentTargets: { 'standard-delivery': 'P5D', information: 'P2D', access: 'P3D', feedback: 'P10D' }, approvalRequired: ['access'] };
const rita: Caller = { id: 'r', name: 'rita', roles: ['requester'] };
const alice: Caller = { id: 'a', name: 'alice', roles: ['agent'] };
const NOW = '2026-11-26T09:00:00.000Z';
const request = (type: 'access' | 'information' = 'information') => newRequest('q-1', { type, service: 'erp', title: 'Monthly report', description: 'Please' }, requestRulesFor({ id: 'erp' }, type, POLICY), rita, NOW);

test('a new request is Submitted, due after its type\'s fulfilment target, approval as the policy says', () => {
  expect(request()).toMatchObject({ state: 'Submitted', needsApproval: false, fulfilmentDue: '2026-11-28T09:00:00.000Z', requestedBy: 'rita', version: 1 });
  expect(request('access')).toMatchObject({ needsApproval: true, fulfilmentDue: '2026-11-29T09:00:00.000Z' });
});

test('lifecycle without approval: Submitted → In Fulfilment → Fulfilled → Closed', () => {
  let r = request();
  for (const to of ['In Fulfilment', 'Fulfilled', 'Closed'] as const) r = moveRequest(r, to, alice, NOW);
  expect(r.history.map((h) => h.to)).toEqual(['In Fulfilment', 'Fulfilled', 'Closed']);
  expect(r.version).toBe(4);
  expect(() => moveRequest(request(), 'Approved', alice, NOW)).toThrow(/needs no approval/);
});

test('lifecycle with approval: In Fulfilment only after Approved; Rejected is final', () => {
  expect(() => moveRequest(request('access'), 'In Fulfilment', alice, NOW)).toThrow(LifecycleError);
  const approved = moveRequest(request('access'), 'Approved', alice, NOW);
  expect(moveRequest(approved, 'In Fulfilment', alice, NOW).state).toBe('In Fulfilment');
  const rejected = moveRequest(request('access'), 'Rejected', alice, NOW);
  expect(() => moveRequest(rejected, 'In Fulfilment', alice, NOW)).toThrow(IllegalTransitionError);
  expect(() => moveRequest(request(), 'Fulfilled', alice, NOW)).toThrow(/A request in state "Submitted" cannot move to "Fulfilled"/);
});

test('transfer closes an open request with its target; a fulfilled or closed one cannot be transferred', () => {
  expect(transferRequest(request(), { incident: 'i-1' }, alice, NOW)).toMatchObject({ state: 'Closed', transferredTo: { incident: 'i-1' } });
  expect(transferRequest(request(), { change: 'c-1' }, alice, NOW).history.at(-1)).toMatchObject({ to: 'Closed', note: 'raised change c-1' });
  const fulfilled = moveRequest(moveRequest(request(), 'In Fulfilment', alice, NOW), 'Fulfilled', alice, NOW);
  expect(() => transferRequest(fulfilled, { incident: 'i-1' }, alice, NOW)).toThrow(/can no longer be transferred/);
});

test('comments are kept in order', () => {
  expect(addRequestComment(request(), 'When?', rita, NOW).comments).toEqual([{ by: 'rita', at: NOW, text: 'When?' }]);
});

test('who may do what with requests', () => {
  expect(requestScope(rita, 'request:create')).toBe('any');
  expect(requestScope(rita, 'request:read')).toBe('own');
  expect(requestScope(rita, 'request:work')).toBe('none');
  expect(requestScope(alice, 'request:work')).toBe('any');
  expect(requestScope(alice, 'request:approve')).toBe('none');
  expect(requestScope({ id: 'o', name: 'o', roles: ['service-owner'] }, 'request:approve')).toBe('own');
  expect(requestScope({ id: 'c', name: 'c', roles: ['change-manager'] }, 'request:approve')).toBe('any');
});

test("a service that lists its request types takes only those, on its own targets and approval rules, falling back to the client's for what an entry leaves out", () => {
  const erp = {
    id: 'erp',
    requestTypes: [
      { type: 'standard-delivery' as const, name: 'Monthly usage report', fulfilmentTarget: 'P1D', approvalRequired: true },
      { type: 'access' as const, name: 'ERP role' },
    ],
  };
  expect(requestRulesFor(erp, 'standard-delivery', POLICY)).toEqual({ fulfilmentTarget: 'P1D', needsApproval: true, typeName: 'Monthly usage report' });
  expect(requestRulesFor(erp, 'access', POLICY)).toEqual({ fulfilmentTarget: 'P3D', needsApproval: true, typeName: 'ERP role' });
  expect(() => requestRulesFor(erp, 'feedback', POLICY)).toThrow(InvalidInputError);
  expect(() => requestRulesFor(erp, 'feedback', POLICY)).toThrow(/erp does not take "feedback" requests; it takes: standard-delivery \(Monthly usage report\), access \(ERP role\)/);
  expect(() => requestRulesFor({ id: 'closed', requestTypes: [] }, 'information', POLICY)).toThrow(/it takes: none/);
  expect(requestRulesFor({ id: 'any' }, 'feedback', POLICY)).toEqual({ fulfilmentTarget: 'P10D', needsApproval: false });
  const delivered = newRequest('q-2', { type: 'standard-delivery', service: 'erp', title: 'Report', description: 'For the board' }, requestRulesFor(erp, 'standard-delivery', POLICY), rita, NOW);
  expect(delivered).toMatchObject({ typeName: 'Monthly usage report', needsApproval: true, fulfilmentDue: '2026-11-27T09:00:00.000Z' });
});

describe('comments are capped: a request item cannot grow past DynamoDB\'s 400 KB (issue 20)', () => {
  test(`at most ${MAX_REQUEST_COMMENTS} comments`, () => {
    let current = request();
    for (let n = 0; n < MAX_REQUEST_COMMENTS; n++) current = addRequestComment(current, `comment ${n}`, rita, NOW);
    expect(() => addRequestComment(current, 'one more', rita, NOW)).toThrow(expect.objectContaining({ kind: 'illegal-transition', subject: 'comments' }));
  });

  test('and at most 200 KB of comment text, counted in UTF-8 bytes: the largest item stays under 400 KB', () => {
    // 8,000 four-byte characters: the largest comment the schema lets through (32,000 bytes).
    const largest = '😀'.repeat(8000);
    let current = request();
    let accepted = 0;
    for (;;) {
      try {
        current = addRequestComment(current, largest, rita, NOW);
        accepted++;
      } catch {
        break;
      }
    }
    expect(accepted).toBe(Math.floor(MAX_REQUEST_COMMENT_BYTES / 32_000));
    const itemBytes = Buffer.byteLength(JSON.stringify({ ...current, description: largest }));
    expect(itemBytes).toBeLessThan(400 * 1024);
  });
});
