// Authenticator codes as an app computes them (RFC 6238: HMAC-SHA-1, 30-second steps, six
// digits), so that tests can sign in with the second factor like a person with a phone.

import { createHmac } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes base32 as authenticator apps accept it: upper or lower case, spaces ignored. */
function base32(text) {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = '';
  for (const char of clean) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/**
 * The code for `secret` at `time` (milliseconds since 1970).
 * @param {string} secret base32
 * @param {number} [time]
 */
export function totp(secret, time = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 1000 / 30)));
  const digest = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const number = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(number).padStart(6, '0');
}

/** Milliseconds until the next 30-second step begins. */
export function untilNextStep(time = Date.now()) {
  return 30_000 - (time % 30_000);
}
