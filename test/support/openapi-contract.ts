import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { API_BASE_PATH, buildOpenApiDocument } from '../../src/api/openapi-document';

/**
 * The e2e contract check: every response the e2e suite receives must be one the OpenAPI document
 * describes — its operation (method and path template), its status, its media type, and a body
 * that validates against the schema for them (JSON Schema 2020-12, as OpenAPI 3.1 says). `call`
 * (local-runtime-process.ts) runs it on each answer, so the test that received a response the
 * document does not describe fails, naming the operation, status and schema errors.
 */
interface Operation {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly parameters: number;
  readonly responses: Readonly<Record<string, { readonly content?: Readonly<Record<string, { readonly schema?: unknown }>> }>>;
}

const DOCUMENT_ID = 'openapi.json';
let contract: { readonly ajv: Ajv2020; readonly operations: readonly Operation[] } | undefined;

function loaded() {
  if (contract) return contract;
  const document = buildOpenApiDocument() as { paths: Record<string, Record<string, { responses: Operation['responses'] }>> };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, DOCUMENT_ID);
  const operations = Object.entries(document.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      parameters: (template.match(/\{/g) ?? []).length,
      responses: operation.responses,
    })),
  );
  // A literal segment wins over a parameter: /changes/calendar before /changes/{id}.
  operations.sort((a, b) => a.parameters - b.parameters);
  contract = { ajv, operations };
  return contract;
}

const pointer = (...segments: string[]) => segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

/** Why the response is not one the document describes; undefined when it is. */
export function contractViolation(answer: { readonly method: string; readonly path: string; readonly status: number; readonly contentType: string; readonly text: string; readonly body: unknown }): string | undefined {
  let path = answer.path.split('?')[0]!;
  if (path.startsWith(`${API_BASE_PATH}/`)) path = path.slice(API_BASE_PATH.length);
  // The local runtime's own routes (outbox, clock, tokens) are not part of the API.
  if (path.startsWith('/_local/')) return undefined;
  const { ajv, operations } = loaded();
  const media = answer.contentType.split(';')[0]!.trim().toLowerCase();
  // The path's own template first (a literal segment wins), then the method on it.
  const template = operations.find((o) => o.pattern.test(path))?.template;
  const operation = operations.find((o) => o.template === template && o.method === answer.method.toUpperCase());
  const where = `${answer.method.toUpperCase()} ${operation?.template ?? path} → ${answer.status}`;
  if (!operation) {
    // Outside the API (no such route, or no such method on it): the router's problem answer is all there is.
    const outside = [403, 404, 405].includes(answer.status) && media === 'application/problem+json';
    return outside ? undefined : `${where}: no such operation in the OpenAPI document`;
  }
  const response = operation.responses[String(answer.status)] ?? operation.responses['default'];
  if (!response) return `${where}: the document describes no such status for this operation`;
  if (!response.content) return answer.text === '' ? undefined : `${where}: the document describes no body, the response has one (${media || 'no Content-Type'})`;
  const content = response.content[media];
  if (!content) return `${where}: the document describes ${Object.keys(response.content).join(', ')}, not ${media || 'no Content-Type'}`;
  if (content.schema === undefined) return undefined;
  const ref = `${DOCUMENT_ID}#/${pointer('paths', operation.template, operation.method.toLowerCase(), 'responses', answer.status in operation.responses ? String(answer.status) : 'default', 'content', media, 'schema')}`;
  const validate = ajv.getSchema(ref);
  if (!validate) return `${where}: the document's schema ${ref} cannot be compiled`;
  // A JSON body is checked as parsed; any other (text/calendar, text/csv) as the text it is.
  if (validate(media.endsWith('json') ? answer.body : answer.text)) return undefined;
  const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}`);
  return `${where}: the body does not match the document's schema: ${errors.join('; ')}`;
}
