import { AWS_SECRET_KEY_CANDIDATE, findSecrets, isSecretReference, isSensitiveFieldName, SECRET_FORMATS, secretIn } from '../../src/kernel/domain/secret-detector';

/**
 * The catalogue holds references to secrets, never secrets. Test values are assembled from parts
 * so that no complete credential-shaped string sits in the repository for scanners to flag.
 */
const join = (...parts: string[]) => parts.join('');
const AWS_KEY_ID = join('AKIA', 'IOSFODNN7', 'EXAMPLE');
const AWS_SECRET = join('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY');
const JWT = join('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', '.', 'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ', '.', 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c');
const GITHUB_PAT = join('ghp_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8');
const GITHUB_FINE = join('github_pat_', '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ');
const SLACK_BOT = join('xoxb-', '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx');
const SLACK_HOOK = join('https://hooks.slack.com/services/', 'T00000000/B00000000/', 'XXXXXXXXXXXXXXXXXXXXXXXX');
const GOOGLE_KEY = join('AIza', 'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY');
const STRIPE_KEY = join('sk_live_', '4eC39HqLyjWDarjtT1zdp7dc');
const PEM = join('-----BEGIN ', 'RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7...\n-----END RSA PRIVATE KEY-----');
const OPENSSH = join('-----BEGIN ', 'OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----');
const EC = join('-----BEGIN ', 'EC PRIVATE KEY-----\nMHcCAQEEIBk...');

describe('values refused wherever they are', () => {
  test.each([
    ['an AWS access key id', { hostname: AWS_KEY_ID }, 'hostname'],
    ['an AWS access key id inside text', { description: `use ${AWS_KEY_ID} to deploy` }, 'description'],
    ['an AWS secret access key', { notes: AWS_SECRET }, 'notes'],
    ['a JWT', { properties: { session: JWT } }, 'properties.session'],
    ['a GitHub personal access token', { ci: GITHUB_PAT }, 'ci'],
    ['a GitHub fine-grained token', { build: GITHUB_FINE }, 'build'],
    ['a Slack bot token', { chat: SLACK_BOT }, 'chat'],
    ['a Slack webhook URL', { links: [{ url: SLACK_HOOK }] }, 'links.0.url'],
    ['a Google API key', { maps: GOOGLE_KEY }, 'maps'],
    ['a Stripe live key', { payments: STRIPE_KEY }, 'payments'],
    ['a PEM RSA private key', { attributes: { tls: PEM } }, 'attributes.tls'],
    ['an OpenSSH private key', { deploy: OPENSSH }, 'deploy'],
    ['an EC private key', { key: EC }, 'key'],
    ['a password in a connection URL', { attributes: { properties: { dsn: 'postgres://app:S3cr3tPass@db.internal:5432/erp' } } }, 'attributes.properties.dsn'],
    ['a literal password', { properties: { adminPassword: 'hunter2' } }, 'properties.adminPassword'],
    ['a literal secret (snake case)', { properties: { client_secret: 'abc123' } }, 'properties.client_secret'],
    ['a literal API key', { properties: { 'api-key': 'k-12345' } }, 'properties.api-key'],
    ['a literal token', { properties: { accessToken: 'opaque-value' } }, 'properties.accessToken'],
    ['a numeric PIN-like password', { properties: { dbPassword: 123456 } }, 'properties.dbPassword'],
    ['a password inside a credentials object', { credentials: { user: 'svc', password: 'p@ss' } }, 'credentials.password'],
    ['a list of tokens', { tokens: ['one', 'two'] }, 'tokens.0'],
  ])('%s', (_name, body, field) => {
    const issues = findSecrets(body);
    expect(issues.map((i) => i.field)).toContain(field);
    expect(issues.find((i) => i.field === field)!.message).toMatch(/reference|looks like/);
  });
});

describe('values accepted', () => {
  test.each([
    ['a vault reference under a password name', { properties: { dbPassword: 'vault://secret/erp/db#password' } }],
    ['a Secrets Manager ARN under a secret name', { properties: { clientSecret: 'arn:aws:secretsmanager:eu-west-2:111111111111:secret:erp/oauth-AbCdEf' } }],
    ['a GovCloud Secrets Manager ARN', { properties: { apiKey: 'arn:aws-us-gov:secretsmanager:us-gov-west-1:111111111111:secret:k' } }],
    ['an SSM parameter ARN under a token name', { properties: { token: 'arn:aws:ssm:eu-west-2:111111111111:parameter/erp/token' } }],
    ['a git commit hash (40 hex)', { properties: { commit: '9fceb02d0ae598e95dc970b74767f19372d61af8' } }],
    ['a UUID', { id: '6f0c2a1e-8d4b-4c3e-9a7f-2b1d0e5c4a3f' }],
    ['an ordinary sentence', { description: 'Runs the ERP database; patched monthly, token ring network retired in 1998.' }],
    ['a URL without credentials', { links: [{ url: 'https://docs.example.com/erp?user=alice' }] }],
    ['an email address', { owner: { email: 'olga.byrne@example.com' } }],
    ['a version string', { version: '3.0.13' }],
    ['field names that merely mention a secret', { properties: { passwordPolicy: 'NIST 800-63B', tokenLifetime: 'PT1H', secretRef: 'vault://kv/app' } }],
    ['an empty value under a password name', { properties: { password: '' } }],
    ['an AWS account id and region', { properties: { account: '111111111111', region: 'eu-west-2' } }],
    ['a base64 thumbnail-length string in lower case only', { properties: { fingerprint: 'abcdefghijabcdefghijabcdefghijabcdefghij' } }],
    ['a certificate (public)', { properties: { certificate: '-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----' } }],
    ['a public key', { properties: { publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMIIBIjAN...' } }],
    ['numbers and booleans under ordinary names', { cpus: 8, encrypted: true, volumes: [{ sizeGiB: 500 }] }],
  ])('%s', (_name, body) => {
    expect(findSecrets(body)).toEqual([]);
  });
});

test('every secret in a body is named, not just the first', () => {
  const issues = findSecrets({ a: AWS_KEY_ID, nested: { list: ['fine', JWT] }, properties: { password: 'x' } });
  expect(issues.map((i) => i.field).sort()).toEqual(['a', 'nested.list.1', 'properties.password']);
});

test('references are recognized exactly', () => {
  expect(isSecretReference('vault://kv/erp')).toBe(true);
  expect(isSecretReference('vault:// spaced')).toBe(false);
  expect(isSecretReference('arn:aws:secretsmanager:eu-west-2:111111111111:secret:x')).toBe(true);
  expect(isSecretReference('arn:aws:s3:::bucket')).toBe(false);
});

test('field names announcing a secret, whatever the case or separator', () => {
  for (const name of ['password', 'DB_PASSWORD', 'adminPasswd', 'passphrase', 'clientSecret', 'api-key', 'apiKey', 'accessToken', 'privateKey', 'credentials']) {
    expect({ name, sensitive: isSensitiveFieldName(name) }).toEqual({ name, sensitive: true });
  }
  for (const name of ['passwordPolicy', 'tokenLifetime', 'secretRef', 'hostname', 'description', 'keyboard']) {
    expect({ name, sensitive: isSensitiveFieldName(name) }).toEqual({ name, sensitive: false });
  }
});

test('a single value is judged with or without its field name', () => {
  expect(secretIn('hunter2')).toBeUndefined();
  expect(secretIn('hunter2', 'password')).toMatch(/reference/);
  expect(secretIn(AWS_KEY_ID, 'hostname')).toMatch(/AWS access key id/);
});

describe('issue 20: the scan is linear in the input, whatever the input', () => {
  /** The quantifiers of a pattern's source outside character classes (escapes skipped). */
  function quantifiers(source: string): string[] {
    const found: string[] = [];
    let inClass = false;
    for (let i = 0; i < source.length; i++) {
      const char = source[i]!;
      if (char === '\\') { i++; continue; }
      if (inClass) { if (char === ']') inClass = false; continue; }
      if (char === '[') { inClass = true; continue; }
      if (char === '(' && source[i + 1] === '?') { i += source[i + 2] === '<' ? 3 : 2; continue; } // group prefixes (?:, (?<!, (?=
      if (char === '*' || char === '+' || char === '?') found.push(char);
      if (char === '{') found.push(source.slice(i, source.indexOf('}', i) + 1));
    }
    return found;
  }
  const unbounded = (q: string) => q === '*' || q === '+' || /^\{\d+,\}$/.test(q);

  test('no pattern has an unbounded quantifier, so one match attempt reads a bounded span of the value', () => {
    const patterns = [...SECRET_FORMATS.map((f) => f.pattern), AWS_SECRET_KEY_CANDIDATE];
    for (const pattern of patterns) expect({ pattern: pattern.source, unbounded: quantifiers(pattern.source).filter(unbounded) }).toEqual({ pattern: pattern.source, unbounded: [] });
    // The check itself finds what the old patterns had.
    expect(quantifiers('[a-z][a-z0-9+.-]*:\\/\\/[^\\s/:@]+:').filter(unbounded)).toEqual(['*', '+']);
    expect(quantifiers('eyJ[A-Za-z0-9_-]{5,}\\.').filter(unbounded)).toEqual(['{5,}']);
  });

  test('patterns that could start anywhere in a run of letters start only at the run\'s beginning (a lookbehind)', () => {
    for (const { name, pattern } of SECRET_FORMATS) {
      const startsWithLiteralPrefix = /^(?:-----BEGIN|https:\\\/\\\/hooks)/.test(pattern.source);
      if (!startsWithLiteralPrefix) expect({ name, anchored: pattern.source.startsWith('(?<!') }).toEqual({ name, anchored: true });
    }
  });

  test.each([
    ['a run of scheme characters', 'a'.repeat(100_000)],
    ['a scheme and :// repeated', 'a://'.repeat(25_000)],
    ['JWT headers repeated', 'eyJ'.repeat(33_000)],
    ['a 40-character run repeated', `${'Ab1'.repeat(100_000)}`],
    ['PEM openings repeated', '-----BEGIN A '.repeat(8_000)],
  ])('%s (pathological for the old patterns) is scanned and judged', (_name, value) => {
    expect(secretIn(value)).toBeUndefined();
    expect(secretIn(`${value} ${AWS_KEY_ID}`)).toMatch(/AWS access key/);
  });
});
