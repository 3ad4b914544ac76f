import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { ChainAnchor, ChainSeal } from '../app/ports';
import { adapterOverride } from '../../../kernel/runtime/adapter-overrides';
import { lazily } from '../../../kernel/runtime/lazy-factory';
import { AUDIT_CHAIN_ANCHOR, AUDIT_CHAIN_SEAL } from './adapter-keys';

export { AUDIT_CHAIN_ANCHOR, AUDIT_CHAIN_SEAL };

/**
 * The chain's seal (KMS HMAC key) and anchor (S3 Object Lock bucket). Their clients are created on
 * first use: the auditors' function needs them only to verify, never to list. The local runtime
 * has neither KMS nor S3: it registers stand-ins with the same semantics (AUDIT_CHAIN_SEAL,
 * AUDIT_CHAIN_ANCHOR; see local/stand-ins/register-stand-ins.ts), used as they are.
 */
export function createChainIntegrity(tracer: Tracer, names: { readonly sealKey: string; readonly anchorBucket: string }): { seal: ChainSeal; anchor: ChainAnchor } {
  const seal = adapterOverride(AUDIT_CHAIN_SEAL);
  const anchor = adapterOverride(AUDIT_CHAIN_ANCHOR);
  const aws = lazily(async () => import('./on-demand/aws-chain-integrity'));
  const kms = lazily(async () => (await aws()).createKmsChainSeal(tracer, names.sealKey));
  const s3 = lazily(async () => (await aws()).createS3ChainAnchor(tracer, names.anchorBucket));
  return {
    seal: seal ?? { seal: async (messages) => (await kms()).seal(messages), verify: async (sealed) => (await kms()).verify(sealed) },
    anchor: anchor ?? { write: async (head) => (await s3()).write(head), latest: async () => (await s3()).latest() },
  };
}
