/**
 * The OpenAPI document rendered at synth and shipped beside meta's bundle (ItsmFunction
 * `bundledFiles` in src/stack/itsm-stack.ts), so that on AWS GET /openapi.json reads a file rather than
 * build the document from every route's zod schemas. Alone in this module: meta imports it at
 * cold start, and it must not pull in the catalogue.
 */
export const OPENAPI_DOCUMENT_FILE = 'openapi.json';
