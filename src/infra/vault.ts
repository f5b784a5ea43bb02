/**
 * The secrets vault: AES-256-GCM with a fresh 96-bit IV per value, a key id
 * stored beside each value so the master key can be rotated, and associated
 * data binding a value to its owner and name (a ciphertext copied to another
 * row fails to decrypt instead of yielding someone else's secret).
 *
 * Keys: the current master key (SECRET_KEY, or the one generated into
 * DATA_DIR) encrypts; older keys (SECRET_KEYS_PREVIOUS) still decrypt, so a
 * rotation never locks values out. Each value key is derived with HKDF-SHA256;
 * a key id is a short hash of the derived key, never the key.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

export class SecretUnreadableError extends Error {
  override name = 'SecretUnreadableError';
}

interface VaultKey {
  id: string;
  key: Buffer;
}

function derive(master: string): VaultKey {
  const key = Buffer.from(hkdfSync('sha256', master, 'personagraph', 'personagraph secrets vault v1', 32));
  const id = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return { id, key };
}

export class SecretVault {
  private readonly current: VaultKey;
  private readonly byId = new Map<string, VaultKey>();

  constructor(currentMaster: string, previousMasters: string[] = []) {
    this.current = derive(currentMaster);
    for (const k of [this.current, ...previousMasters.map(derive)]) if (!this.byId.has(k.id)) this.byId.set(k.id, k);
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  seal(plaintext: string, aad: string): { keyId: string; ciphertext: string } {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const ciphertext = ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
    return { keyId: this.current.id, ciphertext };
  }

  /** Throws SecretUnreadableError when the key is unknown or the value was tampered with or moved. */
  open(keyId: string, ciphertext: string, aad: string): string {
    const key = this.byId.get(keyId);
    if (!key) throw new SecretUnreadableError(`no configured key has id ${keyId} (set SECRET_KEYS_PREVIOUS)`);
    const [v, iv, tag, data] = ciphertext.split('.');
    if (v !== 'v1' || !iv || !tag || data === undefined) throw new SecretUnreadableError('unsupported ciphertext format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError('the value does not authenticate for this owner and name');
    }
  }
}
