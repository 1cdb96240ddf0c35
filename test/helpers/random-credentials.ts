/**
 * Seeded random credentials for redaction property tests: user names and passwords full of the
 * characters URL parsers disagree on (`@ : / % # ?`) and non-ASCII, plus every form in which
 * such a secret could leak (raw, percent-encoded as a user would write it, as the WHATWG URL
 * parser re-encodes it, base64).
 */

/** mulberry32: a small deterministic generator in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [..."abcXYZ019-_.~!$&'()*+,;=", ..."@:/%#?", ..."@:/%#?", "é", "ß", "密", "码", "🔑", "\u00a0"];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

/** A distinctive secret: a random marker (so it cannot occur by chance) then 4..12 hostile characters. */
export function randomCredential(rnd: () => number): string {
  let s = "Q" + Math.floor(rnd() * 36 ** 4).toString(36).padStart(4, "0") + "z";
  const n = 4 + Math.floor(rnd() * 9);
  for (let i = 0; i < n; i++) s += pick(rnd, ALPHABET);
  return s;
}

/** Every form of a secret that must never appear in output (none for an empty secret). */
export function secretForms(secret: string): string[] {
  if (!secret) return [];
  const u = new URL("http://h/");
  u.username = secret;
  u.password = secret;
  return [...new Set([secret, encodeURIComponent(secret), u.username, u.password, Buffer.from(secret).toString("base64")])];
}

/**
 * `base` with `user:pass@` written as a user might: the user name percent-encoded, the password
 * percent-encoded but, at random, with its `@` and `:` left raw (pip and the WHATWG parser accept
 * them: userinfo ends at the last `@`) and its non-ASCII left raw.
 */
export function urlWithCredentials(rnd: () => number, base: string, user: string, pass: string): string {
  const u = new URL(base);
  const rawish = rnd() < 0.5;
  const encPass = [...pass]
    .map((c) => {
      if (rawish && (c === "@" || c === ":")) return c;
      if (rawish && c.charCodeAt(0) > 127 && c !== "\u00a0") return c;
      return encodeURIComponent(c);
    })
    .join("");
  const userinfo = pass ? `${encodeURIComponent(user)}:${encPass}@` : `${encodeURIComponent(user)}@`;
  return `${u.protocol}//${userinfo}${u.host}${u.pathname}${u.search}${u.hash}`;
}
