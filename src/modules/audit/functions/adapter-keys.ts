import type { ChainAnchor, ChainSeal } from '../app/ports';
import { adapterKey } from '../../../kernel/runtime/adapter-overrides';

/**
 * The adapters of the audit functions that a runtime without AWS may supply in their place
 * (src/kernel/runtime/adapter-overrides.ts). No SDK here: the local runtime's preload imports it.
 */
/** Where a runtime without KMS (the local one) puts the HMAC seal it supplies. */
export const AUDIT_CHAIN_SEAL = adapterKey<ChainSeal>('audit/chain-seal');
/** Where a runtime without S3 Object Lock puts the anchor it supplies. */
export const AUDIT_CHAIN_ANCHOR = adapterKey<ChainAnchor>('audit/chain-anchor');
