import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

/** One AES-256-GCM key with the id stored beside every value it encrypts. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

const keyEntry = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=_-]+$/, 'expected "<key id>:<base64 32-byte key>"')
  .transform((entry, ctx) => {
    const [id, encoded] = entry.split(':') as [string, string];
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: `key "${id}" must decode to 32 bytes, got ${key.length}` });
      return z.NEVER;
    }
    return { id, key };
  });

/**
 * Parses `ROUTY_ENCRYPTION_KEYS`: comma-separated `id:base64key` entries, newest first.
 * @throws Error naming `ROUTY_ENCRYPTION_KEYS` and the faulty entry.
 */
export function parseEncryptionKeys(value: string): EncryptionKey[] {
  const parsed = z.array(keyEntry).min(1).safeParse(value.split(',').filter((part) => part.trim() !== ''));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`ROUTY_ENCRYPTION_KEYS: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Makes a fresh key entry in the `id:base64key` form of `ROUTY_ENCRYPTION_KEYS`. */
export function generateEncryptionKeyEntry(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/**
 * Encrypts secrets (OAuth tokens) at rest with AES-256-GCM. The first key encrypts; any listed
 * key decrypts, so keys rotate by prepending a new one. Stored form:
 * `v1.<key id>.<iv base64url>.<tag base64url>.<ciphertext base64url>`.
 */
export class TokenCipher {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('TokenCipher needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** Id of the key new values are encrypted with. */
  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  encrypt(plaintext: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(id));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', id, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  /** @throws Error when the key id is unknown or the value was tampered with. */
  decrypt(stored: string): string {
    const [version, id, iv, tag, ciphertext] = stored.split('.');
    if (version !== 'v1' || !id || !iv || !tag || ciphertext === undefined) throw new Error('not an encrypted token');
    const key = this.byId.get(id);
    if (!key) throw new Error(`no encryption key with id "${id}" is configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}
