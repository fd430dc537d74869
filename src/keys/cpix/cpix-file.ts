import { readFile, stat } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { IoError, KeyError } from '../../errors.js';
import type { KeyProvider, KeyRequest, KeySet } from '../content-key.js';
import { parseCpix } from './parse-cpix.js';
import { keySetFromCpix } from './keyset-from-cpix.js';
import { MAX_CPIX_BYTES } from './xml-guard.js';

export interface CpixFileOptions {
  privateKey?: KeyObject | string | Buffer;
  certificate?: Buffer;
}

/** Keys from a CPIX document on disk (what a DRM vendor's portal exports). Read once, then cached. */
export class CpixFile implements KeyProvider {
  private loaded?: Promise<KeySet>;
  constructor(readonly path: string, private readonly options: CpixFileOptions = {}) {}

  getKeys(_request?: KeyRequest): Promise<KeySet> {
    this.loaded ??= this.load().catch((e: unknown) => { this.loaded = undefined; throw e; });
    return this.loaded;
  }

  private async load(): Promise<KeySet> {
    let bytes: Buffer;
    try {
      const st = await stat(this.path);
      if (st.size > MAX_CPIX_BYTES) {
        throw new KeyError('ERR_CPIX_TOO_LARGE', `CPIX file ${this.path} is ${st.size} bytes, over the ${MAX_CPIX_BYTES}-byte limit`, { where: this.path });
      }
      bytes = await readFile(this.path);
    } catch (e) {
      if (e instanceof KeyError) throw e;
      throw new IoError('ERR_CPIX_READ', `cannot read CPIX file ${this.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: this.path, cause: e });
    }
    const set = keySetFromCpix(parseCpix(bytes, `CPIX file ${this.path}`), this.options);
    if (set.keys.length === 0) throw new KeyError('ERR_CPIX_NO_KEY', `CPIX file ${this.path} has no ContentKey`, { where: this.path });
    return set;
  }
}
