/**
 * The allowed_signers file of `ssh-keygen -Y verify` (ssh-keygen(1) "ALLOWED SIGNERS"): one key
 * per line, `principals [options] keytype base64 [comment]`, `#` comments and blank lines
 * ignored. principals is a comma-separated list of patterns (`*`, `?`, `!` negation); options
 * are `cert-authority`, `namespaces="a,b"`, `valid-after=T`, `valid-before=T` with T
 * YYYYMMDD[HHMM[SS]] in local time, or UTC with a trailing Z.
 *
 * Lookup follows ssh-keygen: a line applies when its key is the signing key, it is not a
 * cert-authority line (wheelbarrow signs with plain keys), its namespaces (if any) match, the time
 * is inside its validity window, and (when an identity is asked for) its principals match it.
 * Lines that do not parse are reported as problems and skipped, as ssh-keygen skips them.
 * Pure: no I/O.
 */
import { parsePublicKeyBlob, type SshPublicKey } from "./ssh-public-key.js";
import { SshWireError } from "./ssh-wire.js";

export interface AllowedSigner {
  line: number;
  principals: string;
  certAuthority: boolean;
  namespaces: string | null;
  validAfter: number | null;
  validBefore: number | null;
  key: SshPublicKey;
}

export interface AllowedSigners {
  signers: AllowedSigner[];
  problems: string[];
}

/** Next whitespace-delimited token; double quotes group (and are removed). */
function nextToken(s: string, i: number): { token: string; next: number } | null {
  while (i < s.length && /\s/.test(s[i] as string)) i++;
  if (i >= s.length) return null;
  let token = "";
  let quoted = false;
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '"') quoted = !quoted;
    else if (!quoted && /\s/.test(c)) break;
    else token += c;
  }
  if (quoted) throw new Error("unterminated quote");
  return { token, next: i };
}

/** Splits options on commas outside quotes; keeps quotes for values. */
function splitOptions(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const c of s) {
    if (c === '"') quoted = !quoted;
    if (c === "," && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const unquote = (v: string): string => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);

/** YYYYMMDD[HHMM[SS]][Z] -> epoch seconds. */
export function parseSignerTime(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/i.exec(v);
  if (!m) throw new Error(`'${v}' is not a time of the form YYYYMMDD[HHMM[SS]][Z]`);
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? "0")) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) throw new Error(`'${v}' is not a valid time`);
  const ms = m[7] ? Date.UTC(y, mo - 1, d, h, mi, s) : new Date(y, mo - 1, d, h, mi, s).getTime();
  return Math.floor(ms / 1000);
}

const KEY_TYPE = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+|ssh-dss|[a-z0-9-]+-cert-v01@openssh\.com)$/;

function parseLine(raw: string, lineNo: number): AllowedSigner {
  const first = nextToken(raw, 0);
  if (!first) throw new Error("empty line");
  const principals = first.token;
  if (principals === "") throw new Error("no principals");
  let t = nextToken(raw, first.next);
  if (!t) throw new Error("no key");
  let certAuthority = false;
  let namespaces: string | null = null;
  let validAfter: number | null = null;
  let validBefore: number | null = null;
  if (!KEY_TYPE.test(t.token)) {
    // An options field: re-read it raw up to the first whitespace outside quotes.
    let i = first.next;
    while (/\s/.test(raw[i] as string)) i++;
    let quoted = false;
    const start = i;
    for (; i < raw.length; i++) {
      if (raw[i] === '"') quoted = !quoted;
      else if (!quoted && /\s/.test(raw[i] as string)) break;
    }
    for (const opt of splitOptions(raw.slice(start, i))) {
      const eq = opt.indexOf("=");
      const name = (eq < 0 ? opt : opt.slice(0, eq)).toLowerCase();
      const value = eq < 0 ? null : unquote(opt.slice(eq + 1));
      if (name === "cert-authority" && value === null) certAuthority = true;
      else if (name === "namespaces" && value !== null) namespaces = value;
      else if (name === "valid-after" && value !== null) validAfter = parseSignerTime(value);
      else if (name === "valid-before" && value !== null) validBefore = parseSignerTime(value);
      else throw new Error(`unsupported option '${opt}'`);
    }
    t = nextToken(raw, i);
    if (!t) throw new Error("no key after the options");
  }
  const type = t.token;
  const b64 = nextToken(raw, t.next);
  if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64.token)) throw new Error(`no base64 key after ${type}`);
  let key: SshPublicKey;
  try {
    key = parsePublicKeyBlob(Buffer.from(b64.token, "base64"));
  } catch (e) {
    if (e instanceof SshWireError) throw new Error(e.message);
    throw e;
  }
  if (key.type !== type) throw new Error(`the key is ${key.type} but the line says ${type}`);
  return { line: lineNo, principals, certAuthority, namespaces, validAfter, validBefore, key };
}

export function parseAllowedSigners(text: string): AllowedSigners {
  const signers: AllowedSigner[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    try {
      signers.push(parseLine(line, i + 1));
    } catch (e) {
      problems.push(`line ${i + 1}: ${(e as Error).message}`);
    }
  });
  return { signers, problems };
}

/** OpenSSH's match_pattern: `*` any run, `?` one character. */
export function matchPattern(s: string, pattern: string): boolean {
  const re = new RegExp("^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$", "s");
  return re.test(s);
}

/** OpenSSH's match_pattern_list: true when a pattern matches and no negated one does. */
export function matchPatternList(s: string, list: string): boolean {
  let got = false;
  for (const p of list.split(",")) {
    const neg = p.startsWith("!");
    if (matchPattern(s, neg ? p.slice(1) : p)) {
      if (neg) return false;
      got = true;
    }
  }
  return got;
}

/**
 * The lines that accept `key` for `namespace` at `now` (epoch seconds), and `identity` when given.
 * Empty when nothing accepts it.
 */
export function findSigners(list: AllowedSigners, key: SshPublicKey, namespace: string, now: number, identity?: string): AllowedSigner[] {
  return list.signers.filter(
    (s) =>
      !s.certAuthority &&
      s.key.blob.equals(key.blob) &&
      (s.namespaces === null || matchPatternList(namespace, s.namespaces)) &&
      (s.validAfter === null || now >= s.validAfter) &&
      (s.validBefore === null || now <= s.validBefore) &&
      (identity === undefined || matchPatternList(identity, s.principals)),
  );
}
