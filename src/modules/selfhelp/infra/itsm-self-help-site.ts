import { Duration, RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  KeyGroup,
  OriginProtocolPolicy,
  PublicKey,
  OriginRequestPolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { acknowledgeNagFinding } from '../../../kernel/infra/nag-acknowledgements';
import { CATALOGUE_INDEXES } from '../../catalogue/adapters';
import { incidentIndexNamesFor } from '../../incidents/adapters';
import { ARTICLE_PARTITION_PREFIX, PROBLEM_INDEXES } from '../../problems/adapters';
import { BUNDLE_PATH, SIGN_IN_PATH_PATTERN, VIEW_BEACON_PATH_PATTERN } from '../domain';

/** The page CloudFront answers an unsigned request with (its 403 custom error response): the API's sign-in page. */
export const SIGN_IN_PAGE_PATH = `/${SIGN_IN_PATH_PATTERN.replace('*', 'sign-in')}`;

/**
 * The page's Content-Security-Policy: the site's own stylesheet, script and search index, nothing
 * inline, nothing from elsewhere, never framed.
 */
export const SELF_HELP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface ItsmSelfHelpSiteProps {
  readonly data: { readonly problemsTable: ITable; readonly catalogueTable: ITable; readonly incidentsTable: ITable; readonly incidentIndexNames: readonly string[]; readonly key: IKey };
  /**
   * The address users open, with its certificate (ACM, us-east-1).
   * @default the distribution's own cloudfront.net name
   */
  readonly domain?: { readonly name: string; readonly certificateArn: string };
  /** Every rebuild also keeps the whole site as one zip (config `selfHelp.bundle`), fetched through the API only. */
  readonly bundle?: boolean;
  /**
   * A site for the client's signed-in users only (access "client"): CloudFront signed cookies
   * checked against this public key (RSA 2048, PEM) on every behaviour but the sign-in's.
   * @default a public site
   */
  readonly signIn?: { readonly publicKeyPem: string };
}

/**
 * The client's self-help site: a private S3 bucket (S3-managed encryption, which CloudFront's
 * origin access control reads without a key policy; public access blocked, TLS enforced,
 * versioned, access-logged) served only through a CloudFront distribution with origin access
 * control, HTTPS only (TLS 1.2 or later where the client's own name and certificate are given), and
 * a response headers policy (HSTS, CSP, nosniff, frame denial, referrer policy). The pages are
 * written by the outbox's functions (the publish-site effect), granted on this bucket only.
 */
export class ItsmSelfHelpSite extends Construct {
  readonly bucket: Bucket;
  readonly logs: Bucket;
  readonly distribution: Distribution;
  readonly headers: ResponseHeadersPolicy;
  /** The site's address, ending in `/`. */
  readonly url: string;
  /** The client's own name for the site, when it has one (a plain string, never a token). */
  readonly domainName: string | undefined;
  /**
   * With a sign-in: the key group CloudFront trusts (its one public key) and the secret that holds
   * the private half (ops put it there; only the sign-in function may read it).
   */
  readonly signIn?: { readonly publicKey: PublicKey; readonly keyGroup: KeyGroup; readonly privateKey: Secret };
  private apiOrigin?: HttpOrigin;

  constructor(scope: Construct, id: string, private readonly props: ItsmSelfHelpSiteProps) {
    super(scope, id);
    // The pages bucket's access logs (S3 writes them under a bucket policy; no ACLs); never read by the site.
    this.logs = new Bucket(this, 'Logs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new Bucket(this, 'Pages', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      // Old versions of a rebuilt page are kept a month (a bad publish can be rolled back), then go.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Server access logs under a bucket policy for S3's logging service (what CDK's
    // serverAccessLogsUseBucketPolicy flag does), not the LogDeliveryWrite ACL.
    (this.bucket.node.defaultChild as CfnBucket).loggingConfiguration = { destinationBucketName: this.logs.bucketName, logFilePrefix: 'bucket/' };
    this.logs.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.logs.arnForObjects('bucket/*')],
        conditions: { ArnLike: { 'aws:SourceArn': this.bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );

    this.headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Self-help site security headers',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, preload: false, override: true },
        contentSecurityPolicy: { contentSecurityPolicy: SELF_HELP_CSP, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });

    if (props.signIn) {
      const publicKey = new PublicKey(this, 'SigningPublicKey', {
        encodedKey: props.signIn.publicKeyPem,
        comment: 'Verifies the signed cookies the sign-in sets (selfHelp.site.signIn.publicKeyPem)',
      });
      const keyGroup = new KeyGroup(this, 'SigningKeyGroup', { items: [publicKey], comment: 'Signed-in client users only' });
      // Created empty (a random placeholder, not a key): ops put the private key PEM in after the first deploy (README).
      const privateKey = new Secret(this, 'SigningPrivateKey', {
        description: "The self-help site's cookie-signing private key (RSA 2048 PEM); its public half is in the distribution's key group",
        encryptionKey: props.data.key,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledgeNagFinding(
        privateKey.node.defaultChild as CfnResource,
        'AwsSolutions-SMG4',
        "An RSA key pair CloudFront trusts cannot be rotated by a Lambda alone: its public half is in the distribution's key group (selfHelp.site.signIn.publicKeyPem). Ops rotate it by deploying a new public key and putting the new private key here (README, Deploying a client).",
      );
      this.signIn = { publicKey, keyGroup, privateKey };
    }
    const trustedKeyGroups = this.signIn ? [this.signIn.keyGroup] : undefined;

    const domain = props.domain;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Self-help site',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        compress: true,
        ...(trustedKeyGroups && { trustedKeyGroups }),
      },
      // Behind the sign-in, CloudFront refuses a request without valid signed cookies with 403: the
      // viewer gets the sign-in page instead (never cached: it is the same page for everyone).
      ...(this.signIn && { errorResponses: [{ httpStatus: 403, responseHttpStatus: 403, responsePagePath: SIGN_IN_PAGE_PATH, ttl: Duration.seconds(0) }] }),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      ...(domain && { domainNames: [domain.name], certificate: Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn) }),
    });
    const distribution = this.distribution.node.defaultChild as CfnResource;
    acknowledgeNagFinding(
      distribution,
      'AwsSolutions-CFR1',
      'Self-help articles are published for the client\'s users wherever they are; the client decides what is public (audience "public"), and a client site needs its users\' sign-in (signed cookies).',
    );
    acknowledgeNagFinding(
      distribution,
      'AwsSolutions-CFR2',
      'A static, read-only site of public articles (GET and HEAD only, no origin logic); a web ACL must live in us-east-1 and cost more than the site it would guard. The API keeps its own WAF.',
    );
    acknowledgeNagFinding(
      distribution,
      'AwsSolutions-CFR3',
      "CloudFront's standard logs need a bucket with ACLs enabled, which this stack keeps off everywhere; every read that reaches the pages (each cache miss) is in the pages bucket's server access logs, and the pages are public articles.",
    );
    if (!domain) {
      acknowledgeNagFinding(
        distribution,
        'AwsSolutions-CFR4',
        'Without the client\'s own domain the distribution uses the cloudfront.net certificate, whose security policy CloudFront fixes; set selfHelp.site.domainName and certificateArn for TLS 1.2 or later (minimumProtocolVersion is already TLSv1.2_2021).',
      );
    }
    this.url = `https://${domain?.name ?? this.distribution.distributionDomainName}/`;
    this.domainName = domain?.name;
    if (props.bundle) {
      // The bundle sits beside the pages but is handed out by the API alone (a short-lived pre-signed
      // URL, knowledge managers): the distribution may read every page, never it.
      this.bucket.addToResourcePolicy(
        new PolicyStatement({
          effect: Effect.DENY,
          principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
          actions: ['s3:GetObject'],
          resources: [this.bucket.arnForObjects(`${BUNDLE_PATH.split('/')[0]}/*`)],
        }),
      );
    }
  }

  /** Whether every rebuild keeps the downloadable bundle. */
  get bundled(): boolean {
    return this.props.bundle === true;
  }

  /** The function that hands out the bundle's pre-signed URL: GetObject on the bundle only (a URL signed by its role). */
  grantBundleDownload(fn: ItsmFunction): void {
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(BUNDLE_PATH)] }));
  }

  /**
   * Article pages count their views through the site's own address (the CSP allows no other):
   * the beacon's path only (VIEW_BEACON_PATH_PATTERN), POST allowed, never cached, forwarded to the API without the
   * viewer's Host (API Gateway answers to its own name). Without it (an API reachable only from a
   * private network or the VPN), views on the site are not counted and the stale-article
   * retirement sees API reads only.
   */
  countViewsThrough(api: { readonly domainName: string; readonly originPath: string }): void {
    // Behind the sign-in the beacon needs the signed cookies too (only the site's readers count).
    this.forwardToApi(VIEW_BEACON_PATH_PATTERN, api, this.signIn && [this.signIn.keyGroup]);
  }

  /**
   * The sign-in (access "client"): `/auth/*` goes to the API (the sign-in page, the hosted UI
   * redirect, the callback that sets the signed cookies, sign-out) with the viewer's cookies and
   * query, and needs no signed cookies itself: it is how a viewer gets them.
   */
  signInThrough(api: { readonly domainName: string; readonly originPath: string }): void {
    if (!this.signIn) throw new Error('signInThrough: this site has no sign-in (selfHelp.site.access is "public")');
    this.forwardToApi(SIGN_IN_PATH_PATTERN, api, undefined);
  }

  /** A path of the site's address that CloudFront forwards to the API: never cached, without the viewer's Host (API Gateway answers to its own name). */
  private forwardToApi(pathPattern: string, api: { readonly domainName: string; readonly originPath: string }, trustedKeyGroups: KeyGroup[] | undefined): void {
    this.apiOrigin ??= new HttpOrigin(api.domainName, { originPath: api.originPath, protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY });
    this.distribution.addBehavior(`/${pathPattern}`, this.apiOrigin, {
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.headers,
      ...(trustedKeyGroups && { trustedKeyGroups }),
    });
  }

  /**
   * What the sign-in function may do with the signing key: GetSecretValue on this secret only, and
   * kms:Decrypt on the data key only through Secrets Manager for this secret (its encryption context).
   */
  grantCookieSigning(fn: ItsmFunction): void {
    const signIn = this.signIn;
    if (!signIn) throw new Error('grantCookieSigning: this site has no sign-in');
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [signIn.privateKey.secretArn] }));
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.props.data.key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com`,
            'kms:EncryptionContext:SecretARN': signIn.privateKey.secretArn,
          },
        },
      }),
    );
  }

  /**
   * What a function that rebuilds the site may do: Query the published articles (byLastAccess), the
   * live services (byServiceStatus) and open incidents (byState), GetItem an article (its
   * partition only), and write, read (the manifest) and delete this bucket's objects.
   */
  grantPublisher(fn: ItsmFunction): void {
    const { data } = this.props;
    fn.grantTable({ table: data.problemsTable, indexNames: [PROBLEM_INDEXES.byLastAccess.name], key: data.key, access: ['query'], queryIndexesOnly: true });
    fn.grantTable({ table: data.problemsTable, key: data.key, access: ['get'], leadingKeys: [`${ARTICLE_PARTITION_PREFIX}*`] });
    fn.grantTable({ table: data.catalogueTable, indexNames: [CATALOGUE_INDEXES.byServiceStatus.name], key: data.key, access: ['query'], queryIndexesOnly: true });
    fn.grantTable({ table: data.incidentsTable, indexNames: incidentIndexNamesFor('byState', data.incidentIndexNames), key: data.key, access: ['query'], queryIndexesOnly: true });
    // In the role's own policy (a policy of its own would cost a resource per function, and
    // the stack's resource budget is tight); the acknowledgement names this bucket's objects only.
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [this.bucket.arnForObjects('*')] }));
    // ListBucket turns a missing manifest (the first rebuild) into 404 instead of 403.
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    acknowledgeNagFinding(
      fn.policyResource,
      `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnResource)}.Arn>/*]`,
      "A rebuild writes, reads (its manifest) and deletes the site's pages, whose names are the articles' ids and tags, known only at run time; the resource is the site bucket's objects only, no other bucket.",
    );
  }

  /** The outbox functions' variables for the site (see src/modules/outbox/functions/environment.ts). */
  environment(): { readonly problemsTable: string; readonly catalogueTable: string; readonly selfHelpBucket: string; readonly selfHelpUrl: string; readonly selfHelpAccess: string; readonly selfHelpBundle: string } {
    return {
      problemsTable: this.props.data.problemsTable.tableName,
      catalogueTable: this.props.data.catalogueTable.tableName,
      selfHelpBucket: this.bucket.bucketName,
      selfHelpUrl: this.url,
      selfHelpAccess: this.signIn ? 'client' : 'public',
      selfHelpBundle: this.props.bundle ? 'zip' : '',
    };
  }
}
