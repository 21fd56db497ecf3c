import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

// scrypt parameters: N=2^15, r=8, p=1 costs ~32 MiB and ~50-100 ms per check, the
// OWASP-recommended floor; stored with every hash so they can be raised later.
const N = 32768
const R = 8
const P = 1
const KEY_BYTES = 32
const SALT_BYTES = 16
const MAXMEM = 64 * 1024 * 1024

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

/**
 * Hash a password with scrypt and a fresh random salt, as `scrypt$N$r$p$salt$hash` (base64url).
 * Why scrypt: memory-hard, in Node's crypto (no native add-on), and the parameters travel with
 * the hash.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await scryptAsync(password, salt, KEY_BYTES, { N, r: R, p: P, maxmem: MAXMEM })
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$')
}

const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/

/**
 * Check a password against a stored {@link hashPassword} result in constant time
 * (`timingSafeEqual`). A malformed hash never matches.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored)
  if (!m) return false
  const n = Number(m[1])
  const r = Number(m[2])
  const p = Number(m[3])
  if (!(n >= 1024 && n <= 1 << 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16)) return false
  const salt = Buffer.from(m[4]!, 'base64url')
  const expected = Buffer.from(m[5]!, 'base64url')
  if (expected.length < 16) return false
  const key = await scryptAsync(password, salt, expected.length, { N: n, r, p, maxmem: 256 * n * r + MAXMEM })
  return timingSafeEqual(key, expected)
}

let dummy: Promise<string> | undefined

/**
 * Spend the same time as a real check for a user that does not exist, so response timing
 * does not tell which user names are valid.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(12).toString('hex'))
  await verifyPassword(password, await dummy)
  return false
}

/** Compare two strings in constant time (for tokens); different lengths are unequal. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  if (x.length !== y.length) return false
  return timingSafeEqual(x, y)
}
