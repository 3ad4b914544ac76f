import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ChainSeal } from '../../src/modules/audit/app/ports';

/**
 * Stands in for the KMS HMAC key (HMAC_256, HMAC_SHA_256) that seals audit chain entries: the same
 * MAC algorithm over the same message, base64 like the KMS adapter stores it, with a 256-bit key
 * kept in a file of the local data folder (created on first use, mode 0600). A MAC that does not
 * verify is `false`, as KMS's KMSInvalidMacException is in the KMS adapter.
 */
export class HmacChainSeal implements ChainSeal {
  constructor(private readonly key: Uint8Array) {}

  /** The seal whose key is in `path`, created there if missing. */
  static fromKeyFile(path: string): HmacChainSeal {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      try {
        writeFileSync(path, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
      } catch (error) {
        // Another process created it meanwhile: use theirs.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return new HmacChainSeal(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'));
  }

  async seal(messages: readonly string[]): Promise<string[]> {
    return messages.map((message) => this.mac(message).toString('base64'));
  }

  async verify(sealed: readonly { readonly message: string; readonly mac?: string }[]): Promise<boolean[]> {
    return sealed.map(({ message, mac }) => {
      if (mac === undefined) return false;
      const expected = this.mac(message);
      const given = Buffer.from(mac, 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }

  private mac(message: string): Buffer {
    return createHmac('sha256', this.key).update(message, 'utf8').digest();
  }
}
