import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod';
import { InvalidInputError, type FieldIssue } from '../domain/domain-errors';
import type { VersionPrecondition } from '../domain/version-precondition';
import { problem, type ProblemDetails } from './problem-details';

/** The largest JSON body any route accepts. API Gateway allows 10 MB; nothing here needs more than this. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Raised while reading a request; carries the problem to answer with. */
export class RequestProblem extends Error {
  constructor(readonly details: ProblemDetails) {
    super(details.detail);
  }
}

export function parseJsonBody<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.infer<S> {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    throw new RequestProblem(
      problem('body-too-large', `The body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES} bytes (64 KB)`, {
        errors: [{ field: 'body', message: `must not exceed ${MAX_BODY_BYTES} bytes` }],
      }),
    );
  }
  const contentType = header(event, 'content-type');
  if (contentType !== undefined && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw new RequestProblem(
      problem('unsupported-media-type', `Content-Type "${contentType}" is not JSON; send application/json`, {
        errors: [{ field: 'Content-Type', message: 'must be application/json' }],
      }),
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    const reason = bytes.length === 0 ? 'the body is empty' : (error as Error).message;
    throw new RequestProblem(
      problem('malformed-body', `The body is not valid JSON: ${reason}`, {
        errors: [{ field: 'body', message: 'must be a JSON object' }],
      }),
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError([{ field: 'body', message: 'must be a JSON object' }]);
  }
  return validate(schema, value, '');
}

/** Validates query-string parameters; repeated parameters are refused rather than guessed at. */
export function parseQuery<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.infer<S> {
  const multi = event.multiValueQueryStringParameters ?? {};
  const repeated = Object.entries(multi).filter(([, values]) => (values?.length ?? 0) > 1);
  if (repeated.length > 0) {
    throw new InvalidInputError(repeated.map(([name]) => ({ field: name, message: 'must be given once' })));
  }
  return validate(schema, { ...(event.queryStringParameters ?? {}) }, '');
}

export function validate<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.infer<S> {
  // reportInput keeps `issue.input`, which zod 4 strips by default; toFieldIssues needs it to tell
  // a missing field from one of the wrong type.
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new InvalidInputError(result.error.issues.flatMap((issue) => toFieldIssues(issue, prefix)));
}

function toFieldIssues(issue: z.core.$ZodIssue, prefix: string): FieldIssue[] {
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: [path, key].filter(Boolean).join('.'), message: 'is not a known field' }));
  }
  // A missing value, whatever the schema (a union such as impact reports invalid_union, not invalid_type).
  if (issue.input === undefined) {
    return [{ field: path || 'body', message: 'is required' }];
  }
  return [{ field: path || 'body', message: issue.message }];
}

export function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * Reads If-Match (RFC 9110 §13.1.1): absent → undefined (the use case answers 428); `*` → any
 * current version; otherwise the comma-separated entity tags, of which only strong tags in the form
 * this API issues (`etagFor`: `"<version>"`) name a version. Weak tags (`W/"3"`: If-Match compares
 * strongly), tags this API never issued (`"abc"`, `"03"`) and unparseable values name none, so the
 * condition is false and the use case answers 412, never guessing at what was meant.
 */
export function ifMatchVersion(event: Pick<APIGatewayProxyEvent, 'headers'>): VersionPrecondition | undefined {
  const value = header(event, 'if-match');
  if (value === undefined) return undefined;
  return parseIfMatch(value);
}

export function parseIfMatch(field: string): Exclude<VersionPrecondition, number> {
  if (field.trim() === '*') return { any: true, field };
  const tags = entityTags(field);
  const versions = (tags ?? []).flatMap(({ weak, opaque }) => (!weak && ISSUED_TAG.test(opaque) ? [Number(opaque)] : []));
  return { any: false, versions: [...new Set(versions)], field };
}

/** What etagFor issues: a version number in decimal, without leading zeros. */
const ISSUED_TAG = /^(?:0|[1-9]\d{0,14})$/;

/** The list `#entity-tag` (RFC 9110 §8.8.3, §5.6.1: empty elements and optional whitespace allowed); undefined if malformed. */
function entityTags(field: string): { weak: boolean; opaque: string }[] | undefined {
  const tags: { weak: boolean; opaque: string }[] = [];
  // etagc = %x21 / %x23-7E / obs-text: a comma may sit inside the quotes.
  const element = /[ \t]*(?:(W\/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(,|$)/y;
  let at = 0;
  while (at < field.length) {
    element.lastIndex = at;
    const match = element.exec(field);
    if (!match || match[0].length === 0) return undefined;
    if (match[2] !== undefined) tags.push({ weak: match[1] !== undefined, opaque: match[2] });
    at = element.lastIndex;
    if (match[3] === '') break;
  }
  return tags;
}

export const etagFor = (version: number) => `"${version}"`;
