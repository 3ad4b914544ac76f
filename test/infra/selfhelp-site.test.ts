import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { SELF_HELP_CSP } from '../../src/modules/selfhelp/infra/itsm-self-help-site';
import { buildClientApp, identityPolicies, useClientStacks, type CfnResourceJson } from './infra-fixtures';

/**
 * The self-help site's bucket and distribution, when the client config turns it on: encrypted,
 * never public (no public bucket policy, public access blocked, TLS enforced), served only through
 * CloudFront's origin access control, HTTPS with TLS 1.2 or later on the client's own name, and the
 * security headers on every response; the outbox functions may write this bucket and nothing else
 * of S3. A client without the site gets none of it.
 */
const stacks = useClientStacks({}, { testClients: true });


const ofType = (resources: Readonly<Record<string, CfnResourceJson>>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const siteBucketOf = (resources: Readonly<Record<string, CfnResourceJson>>) => {
  const found = ofType(resources, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('SelfHelpSitePages'));
  expect(found).toHaveLength(1);
  return found[0]!;
};
const statementsOf = (policy: CfnResourceJson) => policy.Properties.PolicyDocument.Statement as any[];

describe.each(['example', 'all-options'])('%s: the self-help site', (clientId) => {
  test('the bucket is encrypted, versioned, logged, and blocks all public access', () => {
    const [, bucket] = siteBucketOf(stacks.get(clientId).resources);
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toBeDefined();
  });

  test('its policy denies plain HTTP and allows only this distribution (origin access control), never a public principal', () => {
    const { resources } = stacks.get(clientId);
    const [bucketId] = siteBucketOf(resources);
    const policies = ofType(resources, 'AWS::S3::BucketPolicy').filter(([, p]) => p.Properties.Bucket?.Ref === bucketId);
    expect(policies).toHaveLength(1);
    const statements = statementsOf(policies[0]![1]);
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0].Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(allows[0].Action).toBe('s3:GetObject');
    expect(JSON.stringify(allows[0].Condition)).toContain('AWS:SourceArn');
    expect(JSON.stringify(allows[0].Condition)).toContain('SelfHelpSiteDistribution');
    expect(statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toBe(true);
    for (const s of statements) expect(s.Principal === '*' && s.Effect === 'Allow').toBe(false);
    // The downloadable bundle (the example keeps one) is handed out by the API alone: CloudFront is denied its prefix.
    const bundleDenials = statements.filter((s) => s.Effect === 'Deny' && s.Principal?.Service === 'cloudfront.amazonaws.com');
    expect(bundleDenials.map((s) => [s.Action, JSON.stringify(s.Resource)])).toEqual(
      clientId === 'example' ? [['s3:GetObject', JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/_bundle/*']] })]] : [],
    );
  });

  test('the distribution reads the bucket through origin access control, HTTPS only, with the security headers', () => {
    const { resources } = stacks.get(clientId);
    const [[, distribution]] = ofType(resources, 'AWS::CloudFront::Distribution') as [[string, CfnResourceJson]];
    const config = distribution.Properties.DistributionConfig;
    const [oacId] = ofType(resources, 'AWS::CloudFront::OriginAccessControl')[0]!;
    expect(resources[oacId]!.Properties.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    expect(config.Origins[0].OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
    expect(config.Origins[0].S3OriginConfig.OriginAccessIdentity).toBe('');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(config.DefaultRootObject).toBe('index.html');

    const headers = resources[config.DefaultCacheBehavior.ResponseHeadersPolicyId.Ref]!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(headers.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 730 * 24 * 3600, IncludeSubdomains: true, Override: true });
    expect(headers.ContentSecurityPolicy).toEqual({ ContentSecurityPolicy: SELF_HELP_CSP, Override: true });
    expect(SELF_HELP_CSP).toContain("default-src 'none'");
    expect(SELF_HELP_CSP).toContain("frame-ancestors 'none'");
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
    expect(headers.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(headers.ReferrerPolicy).toEqual({ ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true });
  });

  test('the outbox functions may write, read and delete the site bucket\'s objects, nothing else of S3', () => {
    const { resources } = stacks.get(clientId);
    const [bucketId] = siteBucketOf(resources);
    // Every S3 statement of the stack but the audit chainer's anchor (test/infra/audit-trail.test.ts).
    const s3Statements = identityPolicies(resources).flatMap(([, p]) =>
      statementsOf(p).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')) && !JSON.stringify(s.Resource).includes('AuditAnchorBucket')),
    );
    expect(s3Statements.length).toBeGreaterThan(0);
    for (const s of s3Statements) {
      expect(JSON.stringify(s.Resource)).toContain(bucketId);
      expect([s.Action].flat().every((a: string) => ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'].includes(a))).toBe(true);
    }
    const consumers = ofType(resources, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('OutboxConsumer') || id.startsWith('OutboxReconciler'));
    expect(consumers).toHaveLength(2);
    for (const [, fn] of consumers) expect(fn.Properties.Environment.Variables.SELFHELP_ACCESS).toBe('public');
  });

  test('a public site trusts no key group and has no sign-in: every page is open', () => {
    const { resources } = stacks.get(clientId);
    const [[, distribution]] = ofType(resources, 'AWS::CloudFront::Distribution') as [[string, CfnResourceJson]];
    expect(JSON.stringify(distribution.Properties.DistributionConfig)).not.toContain('TrustedKeyGroups');
    expect(distribution.Properties.DistributionConfig.CustomErrorResponses).toBeUndefined();
    expect(ofType(resources, 'AWS::CloudFront::KeyGroup')).toEqual([]);
    expect(ofType(resources, 'AWS::SecretsManager::Secret').filter(([id]) => id.startsWith('SelfHelpSite'))).toEqual([]);
  });
});

describe('acme-us: a site behind the client sign-in (access "client")', () => {
  const resources = () => stacks.get('acme-us').resources;
  const distributionConfig = () => (ofType(resources(), 'AWS::CloudFront::Distribution') as [[string, CfnResourceJson]])[0][1].Properties.DistributionConfig;

  test('the distribution trusts one key group holding the configured public key', () => {
    const [[keyGroupId, keyGroup]] = ofType(resources(), 'AWS::CloudFront::KeyGroup') as [[string, CfnResourceJson]];
    const [[publicKeyId, publicKey]] = ofType(resources(), 'AWS::CloudFront::PublicKey') as [[string, CfnResourceJson]];
    expect(keyGroup.Properties.KeyGroupConfig.Items).toEqual([{ Ref: publicKeyId }]);
    expect(publicKey.Properties.PublicKeyConfig.EncodedKey).toBe(stacks.get('acme-us').config.selfHelp.site.signIn!.publicKeyPem);
    expect(distributionConfig().DefaultCacheBehavior.TrustedKeyGroups).toEqual([{ Ref: keyGroupId }]);
  });

  test('every behaviour needs the signed cookies except /auth/* (the sign-in), which goes to the API uncached with the viewer\'s cookies', () => {
    const config = distributionConfig();
    const [keyGroupId] = ofType(resources(), 'AWS::CloudFront::KeyGroup')[0]!;
    const behaviours = config.CacheBehaviors as any[];
    expect(behaviours.map((b) => b.PathPattern).sort()).toEqual(['/auth/*', '/knowledge/*/views']);
    for (const behaviour of [config.DefaultCacheBehavior, ...behaviours]) {
      if (behaviour.PathPattern === '/auth/*') expect(behaviour.TrustedKeyGroups).toBeUndefined();
      else expect(behaviour.TrustedKeyGroups).toEqual([{ Ref: keyGroupId }]);
    }
    const auth = behaviours.find((b) => b.PathPattern === '/auth/*');
    expect(auth).toMatchObject({ ViewerProtocolPolicy: 'https-only', CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac' });
    // Both API behaviours share one origin: the API's stage.
    expect(new Set(behaviours.map((b) => b.TargetOriginId)).size).toBe(1);
    expect(config.Origins.find((o: any) => o.Id === auth.TargetOriginId).OriginPath).toBe('/v1');
  });

  test("an unsigned viewer gets CloudFront's 403 as the sign-in page (under /auth/, so it needs no cookies), never cached", () => {
    expect(distributionConfig().CustomErrorResponses).toEqual([{ ErrorCode: 403, ResponseCode: 403, ResponsePagePath: '/auth/sign-in', ErrorCachingMinTTL: 0 }]);
  });

  test('only the sign-in function may read the private key: GetSecretValue on that secret, kms:Decrypt only through Secrets Manager for it', () => {
    const [[secretId]] = ofType(resources(), 'AWS::SecretsManager::Secret').filter(([id]) => id.startsWith('SelfHelpSite')) as [[string, CfnResourceJson]];
    const readers = identityPolicies(resources()).filter(([, p]) => statementsOf(p).some((s) => JSON.stringify(s.Resource ?? '').includes(secretId)));
    expect(readers).toHaveLength(1);
    const [, policy] = readers[0]!;
    const roleId = policy.Properties.Roles[0].Ref as string;
    const signInFunctions = ofType(resources(), 'AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Role?.['Fn::GetAtt']?.[0] === roleId);
    expect(signInFunctions.map(([id]) => id)).toEqual([expect.stringMatching(/^SiteSignInFunction/)]);
    const touching = statementsOf(policy).filter((s) => JSON.stringify(s).includes(secretId));
    expect(touching).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: expect.anything(),
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': { Ref: secretId } } },
      },
    ]);
    // No other role of the stack names the secret or holds a Secrets Manager wildcard.
    for (const [, p] of identityPolicies(resources())) {
      for (const s of statementsOf(p)) expect([s.Action].flat().some((a: string) => a === 'secretsmanager:*' || a === '*')).toBe(false);
    }
  });

  test("the sign-in: a hosted UI domain and a public app client (code grant, openid only) returning to the site's /auth/callback", () => {
    const [[, domain]] = ofType(resources(), 'AWS::Cognito::UserPoolDomain') as [[string, CfnResourceJson]];
    expect(domain.Properties.Domain).toBe('acme-us-help');
    const clients = ofType(resources(), 'AWS::Cognito::UserPoolClient').filter(([id]) => id.includes('SiteClient'));
    expect(clients).toHaveLength(1);
    const [, client] = clients[0]!;
    expect(client.Properties).toMatchObject({ AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid'], AllowedOAuthFlowsUserPoolClient: true, GenerateSecret: false, SupportedIdentityProviders: ['COGNITO'] });
    expect(client.Properties.CallbackURLs).toEqual(['https://help.acme-us.example.com/auth/callback']);
    expect(client.Properties.LogoutURLs).toEqual(['https://help.acme-us.example.com/']);
    const [[, fn]] = ofType(resources(), 'AWS::Lambda::Function').filter(([id]) => id.startsWith('SiteSignInFunction')) as [[string, CfnResourceJson]];
    expect(fn.Properties.Environment.Variables).toMatchObject({ SELFHELP_READER_ROLES: 'requester,client-approver', SELFHELP_SESSION_MINUTES: '60' });
  });

  test('the private key lives in a secret encrypted with the data key, kept on stack deletion; the rebuild publishes client and public articles', () => {
    const secrets = ofType(resources(), 'AWS::SecretsManager::Secret').filter(([id]) => id.startsWith('SelfHelpSite'));
    expect(secrets).toHaveLength(1);
    const [, secret] = secrets[0]!;
    expect(JSON.stringify(secret.Properties.KmsKeyId)).toMatch(/DataKey/);
    expect(secret.DeletionPolicy).toBe('Retain');
    const consumers = ofType(resources(), 'AWS::Lambda::Function').filter(([id]) => id.startsWith('OutboxConsumer') || id.startsWith('OutboxReconciler'));
    for (const [, fn] of consumers) expect(fn.Properties.Environment.Variables.SELFHELP_ACCESS).toBe('client');
  });
});

test("article pages count views through the site's own address: one behaviour, the beacon's path only, to the API's stage, never cached", () => {
  const [[, distribution]] = ofType(stacks.get('example').resources, 'AWS::CloudFront::Distribution') as [[string, CfnResourceJson]];
  const config = distribution.Properties.DistributionConfig;
  expect(config.CacheBehaviors).toHaveLength(1);
  const [beacon] = config.CacheBehaviors;
  expect(beacon).toMatchObject({
    PathPattern: '/knowledge/*/views',
    ViewerProtocolPolicy: 'https-only',
    // CloudFront's managed CachingDisabled and AllViewerExceptHostHeader policies (API Gateway answers to its own name only).
    CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
    OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
  });
  expect(beacon.AllowedMethods).toContain('POST');
  expect(beacon.ResponseHeadersPolicyId).toEqual(config.DefaultCacheBehavior.ResponseHeadersPolicyId);
  const origin = config.Origins.find((o: any) => o.Id === beacon.TargetOriginId);
  expect(origin.OriginPath).toBe('/v1');
  expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
  expect(JSON.stringify(origin.DomainName)).toMatch(/HttpApi.*execute-api/);
});

test('an API reachable only from private networks gets no beacon behaviour (views on the site are then not counted)', () => {
  const [[, distribution]] = ofType(stacks.get('all-options').resources, 'AWS::CloudFront::Distribution') as [[string, CfnResourceJson]];
  expect(distribution.Properties.DistributionConfig.CacheBehaviors).toBeUndefined();
});

test('on the client\'s own name the distribution needs TLS 1.2 or later (TLSv1.2_2021, SNI, its ACM certificate)', () => {
  const [[, distribution]] = ofType(stacks.get('all-options').resources, 'AWS::CloudFront::Distribution') as [[string, CfnResourceJson]];
  const config = distribution.Properties.DistributionConfig;
  expect(config.Aliases).toEqual(['help.all-options.example.com']);
  expect(config.ViewerCertificate).toMatchObject({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
  expect(config.ViewerCertificate.AcmCertificateArn).toMatch(/^arn:aws:acm:us-east-1:/);
});

test('a client without the site gets no bucket, no distribution and empty site variables', () => {
  const { resources } = stacks.get('all-options-vpn');
  expect(ofType(resources, 'AWS::CloudFront::Distribution')).toEqual([]);
  expect(ofType(resources, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('SelfHelpSite'))).toEqual([]);
  const consumer = ofType(resources, 'AWS::Lambda::Function').find(([id]) => id.startsWith('OutboxConsumer'))!;
  expect(consumer[1].Properties.Environment.Variables.SELFHELP_ACCESS).toBe('');
});

test('cdk-nag (AwsSolutions and Serverless) passes the stack with the site on its own name', () => {
  const { app, dispose } = buildClientApp({ client: 'all-options' }, { testClients: true });
  try {
    Validations.of(app as App).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).not.toThrow();
  } finally {
    dispose();
  }
});
