import type { FieldIssue } from './domain-errors';

/**
 * The catalogue holds references to secrets, never secrets: a record is read by many roles, kept
 * in every previous version and exported in reports, so a secret written once would leak for
 * good. This finds values that look like secrets anywhere in a request body, naming each field.
 * Pure: no I/O, no SDK.
 */

/** How a value may point at a secret instead of holding it. */
const SECRET_REFERENCES: readonly RegExp[] = [
  /^vault:\/\/[^\s]+$/,
  // Secrets Manager secret ARN, any partition.
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
  // SSM Parameter Store parameter ARN (SecureString parameters are a common home for secrets).
  /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9/_.-]+$/,
];

export const isSecretReference = (value: string) => SECRET_REFERENCES.some((pattern) => pattern.test(value.trim()));

/**
 * Values that are secrets whatever the field is called: formats issuers publish for their credentials.
 *
 * Every quantifier is bounded and every pattern that could start anywhere in a run of word
 * characters is anchored by a lookbehind to the run's start, so one match attempt examines at most
 * a few thousand characters and attempts begin only at run boundaries: the scan is linear in the
 * value's length (issue 20; a pattern such as `[a-z][a-z0-9]*:\/\/` re-scanned the whole run from
 * every position: quadratic). test/unit/secret-detector.test.ts checks both properties.
 */
export const SECRET_FORMATS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'a private key (PEM)', pattern: /-----BEGIN (?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'an AWS access key id', pattern: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/ },
  { name: 'a JSON Web Token', pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4096}\.eyJ[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{10}/ },
  { name: 'a GitHub token', pattern: /(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{36}/ },
  { name: 'a GitHub token', pattern: /(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{40}/ },
  { name: 'a Slack token', pattern: /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10}/ },
  { name: 'a Slack webhook URL', pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{1,32}\/B[A-Z0-9]{1,32}\/[A-Za-z0-9]/ },
  { name: 'a Google API key', pattern: /(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/ },
  { name: 'a Stripe secret key', pattern: /(?<![A-Za-z0-9])[sr]k_live_[0-9A-Za-z]{16}/ },
  { name: 'a password in a URL', pattern: /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:\/\/[^\s/:@]{1,256}:[^\s/@]{1,256}@[^\s/]/i },
];

/**
 * An AWS secret access key is 40 characters of base64 with no marker of its own; it is told apart
 * from hex digests (git commits, SHA-1) and words by needing upper case, lower case and a digit.
 */
export const AWS_SECRET_KEY_CANDIDATE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
function containsAwsSecretKey(value: string): boolean {
  for (const match of value.matchAll(AWS_SECRET_KEY_CANDIDATE)) {
    const candidate = match[0];
    if (/[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /\d/.test(candidate) && !/^[0-9a-fA-F]+$/.test(candidate)) return true;
  }
  return false;
}

/** Field names that announce a secret: their values must be references, e.g. `dbPassword`, `api_key`, `clientSecret`. */
const SENSITIVE_NAME_ENDINGS = [
  'password', 'passwd', 'passphrase', 'pwd', 'secret', 'token', 'apikey', 'privatekey', 'secretkey', 'accesskey', 'credential', 'credentials',
];
export function isSensitiveFieldName(name: string): boolean {
  const normalized = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  // Plurals too: `tokens`, `passwords`, `apiKeys`.
  const singular = normalized.endsWith('s') ? normalized.slice(0, -1) : normalized;
  return SENSITIVE_NAME_ENDINGS.some((ending) => normalized.endsWith(ending) || singular.endsWith(ending));
}

/** What is wrong with one string value, or undefined when it looks harmless. */
export function secretIn(value: string, fieldName?: string): string | undefined {
  if (isSecretReference(value)) return undefined;
  for (const { name, pattern } of SECRET_FORMATS) {
    if (pattern.test(value)) return `looks like ${name}; store it in Secrets Manager or Vault and give its reference (vault://… or a Secrets Manager ARN)`;
  }
  if (containsAwsSecretKey(value)) {
    return 'looks like an AWS secret access key; store it in Secrets Manager and give its ARN';
  }
  if (fieldName !== undefined && isSensitiveFieldName(fieldName) && value.trim().length > 0) {
    return 'must be a reference to a secret (vault://… or a Secrets Manager ARN), not a literal value';
  }
  return undefined;
}

/**
 * Every field of `value` (objects and arrays, walked to any depth) that holds a secret, named by
 * its path, e.g. `attributes.properties.dbPassword` or `links.1.url`.
 */
export function findSecrets(value: unknown, path = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  walk(value, path, undefined, issues);
  return issues;
}

function walk(value: unknown, path: string, name: string | undefined, issues: FieldIssue[]): void {
  if (typeof value === 'string') {
    const message = secretIn(value, name);
    if (message) issues.push({ field: path || 'body', message });
    return;
  }
  if (typeof value === 'number' && name !== undefined && isSensitiveFieldName(name)) {
    // A numeric PIN or password is still a literal secret.
    issues.push({ field: path, message: 'must be a reference to a secret (vault://… or a Secrets Manager ARN), not a literal value' });
    return;
  }
  if (Array.isArray(value)) {
    // Items of a list named like a secret (e.g. `tokens: [...]`) are judged by the list's name.
    value.forEach((item, i) => walk(item, join(path, String(i)), name, issues));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      // A field named like a secret that holds an object (e.g. `credentials: { user, password }`) is walked instead.
      walk(item, join(path, key), key, issues);
    }
  }
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
