/**
 * Integration secrets are referenced, never copied: a client whose config names a webhook signing
 * key (and a call-centre webhooks' signing key) in Secrets Manager gets exactly GetSecretValue on
 * those secrets, for the functions that notify and page, and the keys never appear in the template; a client without one gets no Secrets
 * Manager permission at all, besides the reading of its own client-contacts secret (test/infra/client-contacts.test.ts).
 */
import { unpackSettings } from '../../src/config/packed-settings';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeClient, type CloudFormationTemplate } from '../../local/synthesize-stack';
import { ENTRY_METADATA } from '../../src/kernel/infra/itsm-function';
import { synthesizedTemplate } from '../support/synthesized-template';
import { asList, CLIENTS_DIR, namesClientContactsSecret, referencedId, resourcesOfType, statementsOfRole, type CfnResourceJson, HANDLER_ENTRIES } from './infra-fixtures';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:example/webhook-signing-AbCdEf';
const CALL_CENTRE_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:example/call-centre-signing-GhIjKl';
// Every notification leaves through the outbox: its consumer, and the reconciler that redelivers what it missed.
const NOTIFYING = [HANDLER_ENTRIES.outboxConsumer, HANDLER_ENTRIES.outboxReconciler];

let withWebhook: CloudFormationTemplate;
let without: CloudFormationTemplate;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'itsm-clients-'));
  try {
    const example = JSON.parse(readFileSync(join(CLIENTS_DIR, 'example.json'), 'utf8'));
    writeFileSync(join(dir, 'example.json'), JSON.stringify({ ...example, integrations: { webhook: { url: 'https://itsm.example.com/hooks/rowe', secretArn: SECRET_ARN }, callCentreWebhooks: { secretArn: CALL_CENTRE_SECRET_ARN } } }));
    withWebhook = synthesizeClient('example', dir).template;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The example client as it ships: the run's shared synth (the integration files read it too).
  without = synthesizedTemplate('example');
});

const secretGrants = (resources: Readonly<Record<string, CfnResourceJson>>) =>
  resourcesOfType(resources, 'AWS::Lambda::Function').flatMap(([, fn]) =>
    statementsOfRole(resources, referencedId(fn.Properties.Role)!)
      // The stack's own client-contacts secret is no integration secret (test/infra/client-contacts.test.ts).
      .filter((s) => !namesClientContactsSecret(resources, s) && asList(s.Action).some((a) => String(a).startsWith('secretsmanager:')))
      .map((s) => ({ entry: fn.Metadata?.[ENTRY_METADATA] as string, actions: asList(s.Action), resources: asList(s.Resource) })),
  );

test('with a webhook and call-centre webhooks: the notifying and paging functions may read those two secrets, nothing more; the client settings carry only their ARNs', () => {
  const resources = withWebhook.Resources as Record<string, CfnResourceJson>;
  const grants = secretGrants(resources);
  expect(grants.map((g) => g.entry).sort()).toEqual([...NOTIFYING].sort());
  for (const grant of grants) expect(grant).toMatchObject({ actions: ['secretsmanager:GetSecretValue'], resources: [SECRET_ARN, CALL_CENTRE_SECRET_ARN] });
  const settings = resourcesOfType(resources, 'AWS::Lambda::Function')
    .map(([, fn]) => fn.Properties.Environment?.Variables?.ITSM_CLIENT_SETTINGS as string | undefined)
    .map((value) => (value === undefined ? undefined : unpackSettings(value)))
    .find((value) => value?.includes('webhook'));
  expect(JSON.parse(settings!).integrations.webhook).toEqual({ url: 'https://itsm.example.com/hooks/rowe', secretArn: SECRET_ARN, topics: ['major-incident', 'escalation', 'security'] });
  expect(JSON.parse(settings!).integrations.callCentreWebhooks).toEqual({ secretArn: CALL_CENTRE_SECRET_ARN, timeoutMs: 5000 });
});

test('without one: no role of the stack holds any Secrets Manager action', () => {
  expect(secretGrants(without.Resources as Record<string, CfnResourceJson>)).toEqual([]);
});

test('with call-centre webhooks: a page refused for good by either outbox function raises a health alarm; without them there is none', () => {
  const alarmsNamed = (template: CloudFormationTemplate) =>
    resourcesOfType(template.Resources as Record<string, CfnResourceJson>, 'AWS::CloudWatch::Alarm').filter(([, alarm]) => String(alarm.Properties.AlarmName).endsWith('page-webhook-refused'));
  expect(alarmsNamed(without)).toEqual([]);
  const [[, alarm]] = alarmsNamed(withWebhook) as [[string, CfnResourceJson]];
  expect(alarm.Properties).toMatchObject({ AlarmName: 'rowe-itsm-health-example-page-webhook-refused', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
  const metrics = (alarm.Properties.Metrics as any[]).filter((m) => m.MetricStat);
  expect(metrics.map((m) => m.MetricStat.Metric.MetricName)).toEqual(['PageWebhookRefused', 'PageWebhookRefused']);
  // One per function that delivers pages: the consumer and the reconciler, by their service names.
  const services = metrics.map((m) => m.MetricStat.Metric.Dimensions.find((d: any) => d.Name === 'service').Value).sort();
  const resources = withWebhook.Resources as Record<string, CfnResourceJson>;
  const serviceOf = (entry: string) => resourcesOfType(resources, 'AWS::Lambda::Function').find(([, fn]) => fn.Metadata?.[ENTRY_METADATA] === entry)![1].Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME;
  expect(services).toEqual(NOTIFYING.map(serviceOf).sort());
  expect((alarm.Properties.Metrics as any[]).find((m) => m.Expression).Expression).toBe('FILL(consumer, 0) + FILL(reconciler, 0)');
});
