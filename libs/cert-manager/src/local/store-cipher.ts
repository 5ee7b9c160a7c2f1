import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

export interface SealedPayload {
  nonce: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

/**
 * AES-256-GCM for the local certificate store. The key is derived from `[certificates]
 * server_certs_key_passphrase`; the row id is authenticated data, so a sealed payload cannot be moved to
 * another row unnoticed.
 */
export class StoreCipher {
  private readonly keys: Buffer[];

  /** The first passphrase encrypts; every one of them decrypts, so the passphrase can be rotated. */
  constructor(passphrases: string | string[]) {
    const list = (Array.isArray(passphrases) ? passphrases : [passphrases]).filter(Boolean);
    if (!list.length) throw new Error('the local certificate store needs a passphrase');
    this.keys = list.map((p) => scryptSync(p, 'octavia-ts/local-certificate-store/v1', 32));
  }

  seal(id: string, plaintext: Buffer): SealedPayload {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0], nonce);
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { nonce, ciphertext, authTag: cipher.getAuthTag() };
  }

  open(id: string, sealed: SealedPayload): Buffer {
    let failure: unknown;
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce);
        decipher.setAAD(Buffer.from(id, 'utf8'));
        decipher.setAuthTag(sealed.authTag);
        return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
      } catch (err) {
        failure = err;
      }
    }
    throw new Error(`stored certificate ${id} cannot be decrypted with any configured passphrase: ${(failure as Error).message}`);
  }
}
