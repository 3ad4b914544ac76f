import { createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';
import {
  parseCookieHeader,
  policyResourceMatches,
  readSitePolicy,
  SIGNED_COOKIE_HASH_ALGORITHM,
  SIGNED_COOKIE_NAMES,
  sitePolicy,
  type SignedCookies,
} from '../domain/signed-cookies';

/** CloudFront's URL-safe base64: `+` → `-`, `=` → `_`, `/` → `~`. */
export function cloudFrontBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
}

export function fromCloudFrontBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
}

/**
 * Signs the site's custom policy with the private half of the key pair whose public half is in the
 * distribution's trusted key group (RSA-SHA256, CloudFront-Hash-Algorithm=SHA256).
 */
export class CloudFrontCookieSigner {
  private readonly key: KeyObject;
  private readonly keyPairId: string;

  constructor(options: { readonly privateKeyPem: string; readonly keyPairId: string }) {
    this.key = createPrivateKey(options.privateKeyPem);
    if (this.key.asymmetricKeyType !== 'rsa') throw new Error('The site signing key must be an RSA private key');
    this.keyPairId = options.keyPairId;
  }

  sign(input: { readonly siteUrl: string; readonly expiresAt: number }): SignedCookies {
    const policy = sitePolicy(input);
    const signature = createSign('RSA-SHA256').update(policy).sign(this.key);
    return { policy: cloudFrontBase64(Buffer.from(policy)), signature: cloudFrontBase64(signature), keyPairId: this.keyPairId };
  }
}

/**
 * What CloudFront checks on a behaviour with a trusted key group, for the local runtime: the three
 * cookies (and the hash algorithm, SHA256 here), a key pair id of the group, a signature of the
 * policy by that key, the policy's resource matching the URL and its expiry in the future.
 */
export function verifySignedCookies(options: {
  readonly cookieHeader: string | undefined;
  /** Key pair id → public key PEM: the trusted key group. */
  readonly trustedKeys: ReadonlyMap<string, string>;
  /** The full request URL the policy must cover. */
  readonly url: string;
  /** Epoch seconds. */
  readonly now: number;
}): boolean {
  const cookies = parseCookieHeader(options.cookieHeader);
  const policyText = cookies.get(SIGNED_COOKIE_NAMES.policy);
  const signature = cookies.get(SIGNED_COOKIE_NAMES.signature);
  const keyPairId = cookies.get(SIGNED_COOKIE_NAMES.keyPairId);
  const algorithm = cookies.get(SIGNED_COOKIE_NAMES.hashAlgorithm) ?? 'SHA1';
  if (!policyText || !signature || !keyPairId || algorithm !== SIGNED_COOKIE_HASH_ALGORITHM) return false;
  const publicKeyPem = options.trustedKeys.get(keyPairId);
  if (!publicKeyPem) return false;
  const policy = fromCloudFrontBase64(policyText);
  const verified = createVerify('RSA-SHA256').update(policy).verify(createPublicKey(publicKeyPem), fromCloudFrontBase64(signature));
  if (!verified) return false;
  const statement = readSitePolicy(policy.toString('utf8'));
  return statement !== undefined && statement.expiresAt > options.now && policyResourceMatches(statement.resource, options.url);
}
