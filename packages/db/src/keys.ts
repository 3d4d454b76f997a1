// API key pairs and password hashes: how secrets are made, stored and checked.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const PUBLIC_KEY_PREFIX = 'pk-mg-';
export const SECRET_KEY_PREFIX = 'sk-mg-';

export interface KeyPair {
  publicKey: string;
  secretKey: string;
}

/** A fresh pair: 12 random bytes for the public id, 32 (256 bits) for the secret, base64url. */
export function generateKeyPair(): KeyPair {
  return {
    publicKey: PUBLIC_KEY_PREFIX + randomBytes(12).toString('base64url'),
    secretKey: SECRET_KEY_PREFIX + randomBytes(32).toString('base64url'),
  };
}

/**
 * SHA-256 (hex) of a secret key. Secret keys are random and long, so a fast unsalted hash cannot be
 * brute-forced and lets a request's key be found by its hash with one indexed lookup.
 */
export function hashSecretKey(secretKey: string): string {
  return createHash('sha256').update(secretKey, 'utf8').digest('hex');
}

/** What the UI shows of a secret after creation: its prefix and last four characters. */
export function displaySecretKey(secretKey: string): string {
  return `${secretKey.slice(0, SECRET_KEY_PREFIX.length)}...${secretKey.slice(-4)}`;
}

// scrypt's recommended interactive cost (N = 2^15, r = 8, p = 1): about 50 ms and 32 MiB a hash.
const SCRYPT = { N: 32768, r: 8, p: 1, keyLength: 64 };
const SCRYPT_MAXMEM = 64 * 1024 * 1024;

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$N$r$p$<salt>$<hash>` (base64url), so the cost can be raised later without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p, keyLength } = SCRYPT;
  const key = await scryptAsync(password, salt, keyLength, { N, r, p, maxmem: SCRYPT_MAXMEM });
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when `password` matches a hash made by `hashPassword`; false for any other or malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  if (expected.length === 0) return false;
  const options = { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT_MAXMEM };
  try {
    const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, options);
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}
