// Reads the secret (and, for Basic, the public key) from an Authorization header.

export interface Credentials {
  secretKey: string;
  /** Present for HTTP Basic `<public key>:<secret key>`; it must then belong to the same key. */
  publicKey?: string;
}

/** null when the header is missing or not Bearer/Basic. */
export function parseCredentials(header: string | undefined): Credentials | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (!value) return null;
  if (scheme === 'bearer') return { secretKey: value };
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const publicKey = decoded.slice(0, colon);
    const secretKey = decoded.slice(colon + 1);
    if (!secretKey) return null;
    return publicKey ? { publicKey, secretKey } : { secretKey };
  }
  return null;
}
