/**
 * The one object of the anchor bucket the chainer writes; each write is a new version, locked by
 * the bucket's default Object Lock retention. No SDK here: the audit module's infra grants on it.
 */
export const CHAIN_ANCHOR_OBJECT_KEY = 'audit-chain/head.json';
