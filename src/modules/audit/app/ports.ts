import type { ChainHead } from '../../../kernel/domain/audit-chain';

/**
 * Seals chain entries with a key only the chainer may use (AWS KMS HMAC: `GenerateMac`), and
 * checks seals (`VerifyMac`, the auditors' function). A writer that can store items in the audit
 * table still cannot make an entry that verifies: it has no use of the key.
 */
export interface ChainSeal {
  /** One MAC per message, in order. */
  seal(messages: readonly string[]): Promise<string[]>;
  /** Whether each MAC is the key's MAC of its message (false for a missing one), in order. */
  verify(sealed: readonly { readonly message: string; readonly mac?: string }[]): Promise<boolean[]>;
}

/** The chain head as anchored outside the table, with its last entry's seal. */
export interface AnchoredHead extends ChainHead {
  readonly mac: string;
}

/**
 * The chain head kept outside the audit table, where nothing can overwrite or remove it (an S3
 * object under Object Lock, written by the chainer only): entries removed from the end of the
 * chain, with the table's head moved back to match, no longer reach the anchored head.
 */
export interface ChainAnchor {
  write(head: AnchoredHead): Promise<void>;
  /** The head written last, if any. */
  latest(): Promise<AnchoredHead | undefined>;
}
