import { contractViolation } from '../support/openapi-contract';

/** The e2e suite's contract check (test/support/openapi-contract.ts), on responses written out by hand. */
const json = 'application/json';
const problem = { type: 'https://rowe-itsm.dev/problems/not-found', title: 'Not Found', status: 404, detail: 'No incident x' };
const answer = (method: string, path: string, status: number, body: unknown, contentType = json) => ({ method, path, status, contentType, text: body === undefined ? '' : JSON.stringify(body), body });

test('a response the document describes passes', () => {
  expect(contractViolation(answer('GET', '/incidents/abc/sla', 404, problem, 'application/problem+json'))).toBeUndefined();
  expect(contractViolation(answer('GET', '/v1/incidents?limit=5', 200, { items: [] }))).toBeUndefined();
  // Outside the API: the local runtime's own routes, and the router's answer to no such route.
  expect(contractViolation(answer('GET', '/_local/outbox', 200, { anything: true }))).toBeUndefined();
  expect(contractViolation(answer('GET', '/no-such-route', 404, problem, 'application/problem+json'))).toBeUndefined();
});

test('a status, media type, body or operation the document does not describe fails, naming what', () => {
  expect(contractViolation(answer('GET', '/incidents/abc/sla', 418, problem, 'application/problem+json'))).toMatch(/GET \/incidents\/\{id\}\/sla → 418: the document describes no such status/);
  expect(contractViolation(answer('GET', '/incidents/abc/sla', 404, problem, 'text/html'))).toMatch(/not text\/html/);
  expect(contractViolation(answer('GET', '/incidents/abc/sla', 200, { incidentId: 'abc' }))).toMatch(/does not match the document's schema: .*required property/);
  expect(contractViolation(answer('GET', '/incidents', 200, { items: [], surprise: 1 }))).toMatch(/must NOT have additional properties \(surprise\)/);
  expect(contractViolation(answer('GET', '/no-such-route', 200, {}))).toMatch(/no such operation/);
});

test("a method a path does not serve is outside the API, even where another template would take it (/problems/candidates is not /problems/{id})", () => {
  const notAllowed = { type: 'about:blank', title: 'Method not allowed', status: 405, detail: 'PATCH is not served on /problems/candidates; try GET' };
  expect(contractViolation(answer('PATCH', '/problems/candidates', 405, notAllowed, 'application/problem+json'))).toBeUndefined();
  expect(contractViolation(answer('PATCH', '/problems/candidates', 200, {}))).toMatch(/no such operation/);
});
