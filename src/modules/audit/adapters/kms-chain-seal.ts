import { GenerateMacCommand, VerifyMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { ChainSeal } from '../app/ports';

/** KMS calls in flight at once: a batch of entries is sealed (or checked) well within the Lambda's time. */
const CONCURRENCY = 16;
const MAC_ALGORITHM = 'HMAC_SHA_256';

/**
 * Chain seals made and checked by an AWS KMS HMAC key (key spec HMAC_256): the key never leaves
 * KMS, and IAM decides who may GenerateMac (the chainer) and who may only VerifyMac (the auditors'
 * function). MACs are stored base64.
 */
export class KmsChainSeal implements ChainSeal {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async seal(messages: readonly string[]): Promise<string[]> {
    return inBatches(messages, async (message) => {
      const result = await this.kms.send(new GenerateMacCommand({ KeyId: this.keyId, MacAlgorithm: MAC_ALGORITHM, Message: Buffer.from(message, 'utf8') }));
      return Buffer.from(result.Mac!).toString('base64');
    });
  }

  async verify(sealed: readonly { readonly message: string; readonly mac?: string }[]): Promise<boolean[]> {
    return inBatches(sealed, async ({ message, mac }) => {
      if (mac === undefined || mac.length === 0) return false;
      try {
        const result = await this.kms.send(
          new VerifyMacCommand({ KeyId: this.keyId, MacAlgorithm: MAC_ALGORITHM, Message: Buffer.from(message, 'utf8'), Mac: Buffer.from(mac, 'base64') }),
        );
        return result.MacValid === true;
      } catch (error) {
        // KMS answers a MAC that does not verify with this error rather than MacValid: false.
        if ((error as { name?: string }).name === 'KMSInvalidMacException') return false;
        throw error;
      }
    });
  }
}

async function inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}
