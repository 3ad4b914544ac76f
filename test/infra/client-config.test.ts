/**
 * A client file that cannot be deployed stops the synth with a message naming the file, the
 * field and the reason; omitted settings take the documented defaults.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ClientConfigError, loadClientConfigs, parseClientConfig } from '../../src/config/load-client-configs';
import { DEFAULT_PRIORITY_MATRIX, derivePriority, IMPACTS, URGENCIES } from '../../src/kernel/domain/priority';
import { DEFAULT_SLA_TARGETS } from '../../src/config/client-settings-schema';
import { CLIENTS_DIR, REPO_ROOT } from './infra-fixtures';

const exampleText = readFileSync(join(CLIENTS_DIR, 'example.json'), 'utf8');
const acmeText = readFileSync(join(CLIENTS_DIR, 'acme-us.json'), 'utf8');
const example = (): any => JSON.parse(exampleText);

/** Parses `config` as clients/example.json and returns the error it raises. */
function problemsOf(config: unknown, file = 'clients/example.json'): ClientConfigError {
  try {
    parseClientConfig(file, typeof config === 'string' ? config : JSON.stringify(config));
  } catch (error) {
    expect(error).toBeInstanceOf(ClientConfigError);
    return error as ClientConfigError;
  }
  throw new Error(`${file} was accepted; expected a ClientConfigError`);
}

/** Asserts the error names the file, and that one problem names `field` with a reason matching `reason`. */
function expectProblem(error: ClientConfigError, file: string, field: string, reason: RegExp): void {
  expect(error.file).toBe(file);
  expect(error.problems).toEqual(expect.arrayContaining([{ field, reason: expect.stringMatching(reason) }]));
  // The message a person reads carries all three.
  expect(error.message).toContain(file);
  const prefix = `  - ${field}: `;
  const reasonsInMessage = error.message
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
  expect(reasonsInMessage).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
}

describe('the client files in clients/ are valid', () => {
  test('loadClientConfigs reads example and acme-us, sorted by file name', () => {
    expect(loadClientConfigs(CLIENTS_DIR).map((c) => c.id)).toEqual(['acme-us', 'example']);
  });
});

describe('parseClientConfig errors name the file, the field and the reason', () => {
  test('region outside allowedRegions (data residency)', () => {
    const error = problemsOf({ ...example(), region: 'us-east-1' });
    expectProblem(error, 'clients/example.json', 'region', /"us-east-1" is not in allowedRegions \[eu-west-2, eu-west-1\]/);
  });

  test('a recovery region outside allowedRegions, or the primary region itself', () => {
    expectProblem(problemsOf({ ...example(), recovery: { region: 'us-east-1' } }), 'clients/example.json', 'recovery.region', /"us-east-1" is not in allowedRegions \[eu-west-2, eu-west-1\]: the client's data may not be replicated there/);
    expectProblem(problemsOf({ ...example(), recovery: { region: 'eu-west-2' } }), 'clients/example.json', 'recovery.region', /must differ from region "eu-west-2"/);
    expect(parseClientConfig('clients/example.json', JSON.stringify({ ...example(), recovery: { region: 'eu-west-1' } })).recovery).toEqual({ region: 'eu-west-1', promoted: false, tableNames: {} });
  });

  test('a promoted recovery stack needs the incidents replica\'s stream, in the recovery region', () => {
    expectProblem(problemsOf({ ...example(), recovery: { region: 'eu-west-1', promoted: true } }), 'clients/example.json', 'recovery.incidentsStreamArn', /is required when promoted/);
    const elsewhere = 'arn:aws:dynamodb:eu-west-2:111111111111:table/rowe-itsm-example-incidents/stream/2026-12-01T00:00:00.000';
    expectProblem(problemsOf({ ...example(), recovery: { region: 'eu-west-1', promoted: true, incidentsStreamArn: elsewhere } }), 'clients/example.json', 'recovery.incidentsStreamArn', /must be a stream in the recovery region eu-west-1/);
  });

  test('code signing names a Signer profile version ARN, or none (the stack creates one)', () => {
    expectProblem(problemsOf({ ...example(), releases: { codeSigning: { signingProfileVersionArn: 'arn:aws:signer:eu-west-2:111111111111:signing-profile/x' } } }), 'clients/example.json', 'releases.codeSigning.signingProfileVersionArn', /must be an AWS Signer profile version ARN/);
    expect(parseClientConfig('clients/example.json', JSON.stringify({ ...example(), releases: { codeSigning: {} } })).releases.codeSigning).toEqual({});
  });

  test('the self-help bundle needs the site; a knowledge base in ServiceNow is named by sys_id, its access public or client', () => {
    expectProblem(problemsOf({ ...example(), selfHelp: { site: { enabled: false }, bundle: { enabled: true } } }), 'clients/example.json', 'selfHelp.bundle.enabled', /built with the site/);
    const servicenow = example().integrations.servicenow;
    const withKnowledge = (knowledge: unknown) => ({ ...example(), integrations: { servicenow: { ...servicenow, knowledge } } });
    expectProblem(problemsOf(withKnowledge({ knowledgeBase: 'KB-main' })), 'clients/example.json', 'integrations.servicenow.knowledge.knowledgeBase', /sys_id \(32 hex digits\)/);
    expectProblem(problemsOf(withKnowledge({ knowledgeBase: 'a7e8a78bff0221009b20ffffffffff17', access: 'internal' })), 'clients/example.json', 'integrations.servicenow.knowledge.access', /client|public/);
  });

  test('a region that is not a region code', () => {
    expectProblem(problemsOf({ ...example(), region: 'london' }), 'clients/example.json', 'region', /must be an AWS region code/);
  });

  test.each(['12345', '1111111111112', '11111111111a'])('bad account id %s', (account) => {
    expectProblem(problemsOf({ ...example(), account }), 'clients/example.json', 'account', /must be a 12-digit AWS account id/);
  });

  test('an account id written as a number is a type error, not a missing field', () => {
    const error = problemsOf({ ...example(), account: 111111111111 });
    expectProblem(error, 'clients/example.json', 'account', /expected string, received number/);
    expect(error.message).not.toContain('is required');
  });

  test('unknown field: the typo priorityMatix', () => {
    const { priorityMatrix, ...rest } = example();
    const error = problemsOf({ ...rest, priorityMatix: priorityMatrix });
    expectProblem(error, 'clients/example.json', 'priorityMatix', /^is not a known field$/);
  });

  test('unknown nested field names its full path', () => {
    const config = example();
    config.contacts.serviceOwner.mail = 'x@example.com';
    expectProblem(problemsOf(config), 'clients/example.json', 'contacts.serviceOwner.mail', /^is not a known field$/);
  });

  test.each(['4 hours', 'PT', 'P0D', '-PT1H', ''])('bad ISO 8601 duration %p in slaTargets.P1.resolve', (resolve) => {
    const config = example();
    config.slaTargets.P1.resolve = resolve;
    expectProblem(problemsOf(config), 'clients/example.json', 'slaTargets.P1.resolve', /must be a positive ISO 8601 duration/);
  });

  test('SLA targets out of order (acknowledge longer than respond)', () => {
    const config = example();
    config.slaTargets.P2.acknowledge = 'PT9H';
    expectProblem(problemsOf(config), 'clients/example.json', 'slaTargets.P2.acknowledge', /must not be longer than respond/);
  });

  test('an inconsistent priority matrix (3/3 ranked above 2/3 and 3/2)', () => {
    const config = example();
    config.priorityMatrix['3']['3'] = 'P1';
    const error = problemsOf(config);
    expectProblem(error, 'clients/example.json', 'priorityMatrix', /inconsistent matrix: 3\/3 ranks above 2\/3/);
    expectProblem(error, 'clients/example.json', 'priorityMatrix', /inconsistent matrix: 3\/3 ranks above 3\/2/);
  });

  test('a priority that does not exist', () => {
    const config = example();
    config.priorityMatrix['1']['1'] = 'P0';
    expectProblem(problemsOf(config), 'clients/example.json', 'priorityMatrix.1.1', /P1.*P5/);
  });

  test.each(['Europe/Londn', 'GMT+25', 'London'])('bad time zone %p', (timeZone) => {
    expectProblem(problemsOf({ ...example(), timeZone }), 'clients/example.json', 'timeZone', /must be an IANA time zone/);
  });

  test('id not matching the file name', () => {
    const error = problemsOf(exampleText, 'clients/example-ltd.json');
    expectProblem(error, 'clients/example-ltd.json', 'id', /is "example" but the file is named example-ltd\.json/);
  });

  test('invalid JSON', () => {
    const error = problemsOf('{ "id": "example",, }');
    expectProblem(error, 'clients/example.json', '(file)', /is not valid JSON/);
  });

  test('a missing required field', () => {
    const { name: _name, ...rest } = example();
    expectProblem(problemsOf(rest), 'clients/example.json', 'name', /^is required$/);
  });

  test('a log retention CloudWatch does not offer', () => {
    expectProblem(problemsOf({ ...example(), logRetentionDays: 400 }), 'clients/example.json', 'logRetentionDays', /must be one of .*365/);
  });

  test('a bad nested contact phone names the contact by position', () => {
    const config = example();
    config.contacts.nominated[0].phone = '02071230001';
    expectProblem(problemsOf(config), 'clients/example.json', 'contacts.nominated.0.phone', /E\.164/);
  });

  test('a self-help site behind the sign-in: signIn required with access "client", refused with "public"; an RSA 2048 PEM; a public API', () => {
    const acme = (): any => JSON.parse(acmeText);
    const file = 'clients/acme-us.json';
    const withSite = (site: unknown, api?: unknown) => ({ ...acme(), selfHelp: { site }, ...(api !== undefined && { api }) });
    const { signIn, domainName, certificateArn } = acme().selfHelp.site;
    const named = { domainName, certificateArn };
    expectProblem(problemsOf(withSite({ enabled: true, access: 'client' }), file), file, 'selfHelp.site.signIn', /is required with access "client"/);
    expectProblem(problemsOf(withSite({ enabled: true, access: 'client', signIn }), file), file, 'selfHelp.site.domainName', /is required with access "client"/);
    expectProblem(problemsOf(withSite({ enabled: true, access: 'public', signIn }), file), file, 'selfHelp.site.signIn', /only for access "client"/);
    expectProblem(problemsOf(withSite({ enabled: true, access: 'members' }), file), file, 'selfHelp.site.access', /must be "public" .* or "client"/);
    expectProblem(problemsOf(withSite({ enabled: true, access: 'client', ...named, signIn: { ...signIn, publicKeyPem: 'MIIB' } }), file), file, 'selfHelp.site.signIn.publicKeyPem', /is not a PEM public key/);
    expectProblem(problemsOf(withSite({ enabled: true, access: 'client', ...named, signIn: { ...signIn, hostedUiDomainPrefix: 'my-cognito-help' } }), file), file, 'selfHelp.site.signIn.hostedUiDomainPrefix', /may not contain/);
    expectProblem(problemsOf(withSite({ enabled: true, access: 'client', ...named, signIn: { ...signIn, readerRoles: ['integration'] } }), file), file, 'selfHelp.site.signIn.readerRoles.0', /expected one of/i);
    expectProblem(
      problemsOf(withSite({ enabled: true, access: 'client', ...named, signIn }, { access: { mode: 'vpn', allowedCidrs: ['203.0.113.0/24'] } }), file),
      file,
      'selfHelp.site.access',
      /needs api.access "public"/,
    );
    expect(parseClientConfig(file, acmeText).selfHelp.site.signIn).toMatchObject({ readerRoles: ['requester', 'client-approver'], sessionMinutes: 60 });
  });

  test('every problem in a file is reported, not only the first', () => {
    const error = problemsOf({ ...example(), account: '1', timeZone: 'Nowhere/Else', surplus: true });
    expect(error.problems.map((p) => p.field).sort()).toEqual(['account', 'surplus', 'timeZone']);
  });
});

describe('defaults', () => {
  test('acme-us omits priorityMatrix: the ITIL default applies (1/1 → P1 … 3/3 → P5)', () => {
    expect(JSON.parse(acmeText).priorityMatrix).toBeUndefined();
    const config = parseClientConfig('clients/acme-us.json', acmeText);
    expect(config.priorityMatrix).toEqual(DEFAULT_PRIORITY_MATRIX);
    const expected: Record<string, string> = {
      '1/1': 'P1', '1/2': 'P2', '1/3': 'P3',
      '2/1': 'P2', '2/2': 'P3', '2/3': 'P4',
      '3/1': 'P3', '3/2': 'P4', '3/3': 'P5',
    };
    for (const impact of IMPACTS) {
      for (const urgency of URGENCIES) {
        expect(`${impact}/${urgency} ${derivePriority(config.priorityMatrix, impact, urgency)}`).toBe(
          `${impact}/${urgency} ${expected[`${impact}/${urgency}`]}`,
        );
      }
    }
    // What the file does set is kept.
    expect(config.slaTargets.P1).toEqual({ acknowledge: 'PT10M', respond: 'PT15M', resolve: 'PT2H' });
  });

  test('retention: a period below its record type\'s minimum, above its maximum, not whole days, or an unknown record type', () => {
    expectProblem(problemsOf({ ...example(), retention: { auditRecords: 30 } }), 'clients/example.json', 'retention.auditRecords', /must be at least 365 days: the audit trail is evidence for at least a surveillance year/);
    expectProblem(problemsOf({ ...example(), retention: { outboxItems: 400 } }), 'clients/example.json', 'retention.outboxItems', /must be at most 365 days/);
    expectProblem(problemsOf({ ...example(), retention: { incidents: 100.5 } }), 'clients/example.json', 'retention.incidents', /whole number of days/);
    expectProblem(problemsOf({ ...example(), retention: { tickets: 100 } }), 'clients/example.json', 'retention.tickets', /is not a known field/);
    expect(parseClientConfig('clients/example.json', JSON.stringify({ ...example(), retention: { requests: 365 } })).retention).toEqual({
      incidents: 1095, requests: 365, changes: 1095, problems: 1095, auditRecords: 1095, outboxItems: 30,
    });
  });

  test('omitting slaTargets, priorityMatrix and logRetentionDays applies the defaults', () => {
    const { slaTargets: _s, priorityMatrix: _p, logRetentionDays: _l, ...rest } = example();
    const config = parseClientConfig('clients/example.json', JSON.stringify(rest));
    expect(config.slaTargets).toEqual(DEFAULT_SLA_TARGETS);
    expect(config.priorityMatrix).toEqual(DEFAULT_PRIORITY_MATRIX);
    expect(config.logRetentionDays).toBe(365);
  });
});

describe('loadClientConfigs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'itsm-clients-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a bad file stops the load; the error names it by its path', () => {
    writeFileSync(join(dir, 'example.json'), exampleText);
    writeFileSync(join(dir, 'acme-us.json'), JSON.stringify({ ...JSON.parse(acmeText), region: 'eu-west-2' }));
    const file = relative(process.cwd(), join(dir, 'acme-us.json'));
    let error: unknown;
    try {
      loadClientConfigs(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ClientConfigError);
    expectProblem(error as ClientConfigError, file, 'region', /"eu-west-2" is not in allowedRegions \[us-east-1, us-west-2\]/);
  });

  test('files starting with _ and files that are not .json are ignored', () => {
    writeFileSync(join(dir, 'example.json'), exampleText);
    writeFileSync(join(dir, '_template.json'), '{ not even json');
    writeFileSync(join(dir, 'README.md'), '# clients');
    expect(loadClientConfigs(dir).map((c) => c.id)).toEqual(['example']);
  });
});

describe('the CDK app stops on a bad client file', () => {
  test('npx tsx bin/itsm.ts exits non-zero with file, field and reason on stderr, and no stack trace', () => {
    const clientsDir = mkdtempSync(join(tmpdir(), 'itsm-bad-clients-'));
    const outDir = mkdtempSync(join(tmpdir(), 'itsm-bad-out-'));
    try {
      // Two refusals in one file: the stack's region and its recovery region (data residency both).
      writeFileSync(join(clientsDir, 'acme-us.json'), JSON.stringify({ ...JSON.parse(acmeText), region: 'eu-west-2', recovery: { region: 'eu-central-1' } }, null, 2));
      const env: NodeJS.ProcessEnv = { ...process.env, ITSM_CLIENTS_DIR: clientsDir, CDK_OUTDIR: outDir };
      delete env['CDK_CONTEXT_JSON'];
      const result = spawnSync('npx', ['tsx', 'bin/itsm.ts'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });

      expect(result.error).toBeUndefined();
      expect(result.status).not.toBe(0);
      expect(result.status).not.toBeNull();
      expect(result.stderr).toContain('acme-us.json');
      expect(result.stderr).toMatch(/^\s*- region: "eu-west-2" is not in allowedRegions \[us-east-1, us-west-2\]$/m);
      expect(result.stderr).toMatch(/^\s*- recovery\.region: "eu-central-1" is not in allowedRegions \[us-east-1, us-west-2\]: the client's data may not be replicated there$/m);
      // A message a person can act on, not a crash.
      expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(result.stderr).not.toMatch(/\bError: /);
      // Nothing was synthesized.
      expect(existsSync(join(outDir, 'manifest.json'))).toBe(false);
    } finally {
      rmSync(clientsDir, { recursive: true, force: true });
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});

test('an integration secret is only ever a Secrets Manager ARN, and a webhook only https: a bad one names the file, the field and the reason', () => {
  const webhook = { url: 'https://itsm.example.com/hooks/rowe', secretArn: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:example/webhook-AbCdEf' };
  expect(parseClientConfig('clients/example.json', JSON.stringify({ ...example(), integrations: { webhook } })).integrations.webhook?.topics).toEqual(['major-incident', 'escalation', 'security']);
  expectProblem(problemsOf({ ...example(), integrations: { webhook: { ...webhook, secretArn: 'hunter2-signing-key' } } }), 'clients/example.json', 'integrations.webhook.secretArn', /ARN of a Secrets Manager secret/);
  expectProblem(problemsOf({ ...example(), integrations: { webhook: { ...webhook, url: 'http://itsm.example.com/hooks' } } }), 'clients/example.json', 'integrations.webhook.url', /https/);
  expectProblem(problemsOf({ ...example(), integrations: { webhook: { ...webhook, secret: 'hunter2' } } }), 'clients/example.json', 'integrations.webhook.secret', /not a known field/);
});

describe('capacity actions (README "Capacity")', () => {
  const withActions = (actions: unknown[]) => ({ ...example(), capacity: { actions } });
  const action = { service: 'web-shop', id: 'orders', name: 'Orders per hour', unit: 'orders/hour', baseline: 400, capacity: 1000 };

  test('the example file agrees capacity actions, each with a baseline and a capacity', () => {
    const config = parseClientConfig('clients/example.json', exampleText);
    expect(config.capacity.actions.length).toBeGreaterThan(0);
    for (const a of config.capacity.actions) expect(a.capacity).toBeGreaterThanOrEqual(a.baseline);
  });

  test('a baseline above the capacity names the field', () => {
    expectProblem(problemsOf(withActions([{ ...action, baseline: 2000 }])), 'clients/example.json', 'capacity.actions.0.baseline', /above the capacity 1000/);
  });

  test('the same action twice for a service names the second', () => {
    expectProblem(problemsOf(withActions([action, action])), 'clients/example.json', 'capacity.actions.1.id', /listed twice/);
  });

  test('a capacity of zero, a bad id and an unknown field are refused', () => {
    const error = problemsOf(withActions([{ ...action, baseline: 0, capacity: 0 }, { ...action, id: 'Orders!' }, { ...action, id: 'x', metric: 'cpu' }]));
    expect(error.problems.map((p) => p.field).sort()).toEqual(['capacity.actions.0.capacity', 'capacity.actions.1.id', 'capacity.actions.2.metric']);
  });
});
