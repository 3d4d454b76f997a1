import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { displaySecretKey, generateKeyPair, hashPassword, hashSecretKey, verifyPassword } from '../src/keys.ts';

describe('API key pairs', () => {
  it('are prefixed, url-safe and different every time', () => {
    const pairs = Array.from({ length: 50 }, generateKeyPair);
    for (const { publicKey, secretKey } of pairs) {
      expect(publicKey).toMatch(/^pk-mg-[A-Za-z0-9_-]{16}$/);
      expect(secretKey).toMatch(/^sk-mg-[A-Za-z0-9_-]{43}$/);
    }
    expect(new Set(pairs.map((p) => p.secretKey)).size).toBe(50);
    expect(new Set(pairs.map((p) => p.publicKey)).size).toBe(50);
  });

  it('store the secret as its SHA-256, so a request finds its key by hash', () => {
    const { secretKey } = generateKeyPair();
    const hash = hashSecretKey(secretKey);
    expect(hash).toBe(createHash('sha256').update(secretKey).digest('hex'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecretKey(secretKey)).toBe(hash);
    expect(hashSecretKey(`${secretKey}x`)).not.toBe(hash);
  });

  it('show only the prefix and the last four characters of a secret', () => {
    const secret = 'sk-mg-abcdefghijklmnopWXYZ';
    expect(displaySecretKey(secret)).toBe('sk-mg-...WXYZ');
    expect(displaySecretKey(secret)).not.toContain('abcdef');
  });
});

describe('passwords', () => {
  it('verify against their own hash only', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('are salted: one password gives two different hashes that both verify', async () => {
    const [a, b] = await Promise.all([hashPassword('s3cret-pass'), hashPassword('s3cret-pass')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('s3cret-pass', a)).toBe(true);
    expect(await verifyPassword('s3cret-pass', b)).toBe(true);
  });

  it('reject malformed or foreign hashes instead of throwing', async () => {
    for (const stored of ['', 'plain', 'scrypt$1$2', 'bcrypt$x$y$z$a$b', 'scrypt$32768$8$1$c2FsdA$']) {
      expect(await verifyPassword('anything', stored)).toBe(false);
    }
  });
});
