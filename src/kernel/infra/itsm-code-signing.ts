import { CfnCodeSigningConfig, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSigningProfile } from 'aws-cdk-lib/aws-signer';
import { Construct } from 'constructs';
import type { ItsmFunction } from './itsm-function';

/** AWS Signer's platform for Lambda code (the only one Lambda accepts). */
export const LAMBDA_SIGNING_PLATFORM = 'AWSLambda-SHA384-ECDSA';

export interface ItsmCodeSigningProps {
  readonly clientId: string;
  /**
   * The Signer profile version the release pipeline signs with (it may live in a tooling account).
   * @default a profile this stack creates (platform AWSLambda-SHA384-ECDSA)
   */
  readonly signingProfileVersionArn?: string;
}

/**
 * Artefact integrity: one Lambda code signing configuration that trusts one AWS Signer profile and
 * ENFORCES it, so a function refuses to deploy code that profile did not sign (what was tested
 * and signed is what runs). `cdk deploy` alone uploads unsigned assets: with signing on, the
 * release signs each function's asset first (README "Deploying a client").
 */
export class ItsmCodeSigning extends Construct {
  readonly config: CfnCodeSigningConfig;
  /** The profile version whose signatures the functions accept. */
  readonly signingProfileVersionArn: string;
  /** Present when the stack created the profile. */
  readonly profile?: CfnSigningProfile;

  constructor(scope: Construct, id: string, props: ItsmCodeSigningProps) {
    super(scope, id);
    if (props.signingProfileVersionArn) {
      this.signingProfileVersionArn = props.signingProfileVersionArn;
    } else {
      this.profile = new CfnSigningProfile(this, 'Profile', {
        platformId: LAMBDA_SIGNING_PLATFORM,
        // Signer's default validity; a signature outliving it is refused by the configuration below.
        signatureValidityPeriod: { type: 'MONTHS', value: 135 },
      });
      this.signingProfileVersionArn = this.profile.attrProfileVersionArn;
    }
    this.config = new CfnCodeSigningConfig(this, 'Config', {
      description: `rowe-itsm ${props.clientId}: functions accept only code signed by the release profile`,
      allowedPublishers: { signingProfileVersionArns: [this.signingProfileVersionArn] },
      codeSigningPolicies: { untrustedArtifactOnDeployment: 'Enforce' },
    });
  }

  /** Makes each function refuse code that is not signed by the trusted profile. */
  enforceOn(functions: readonly ItsmFunction[]): void {
    for (const fn of functions) (fn.function.node.defaultChild as CfnFunction).codeSigningConfigArn = this.config.attrCodeSigningConfigArn;
  }
}
