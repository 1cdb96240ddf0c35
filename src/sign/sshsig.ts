/**
 * SSHSIG, the detached signature format of `ssh-keygen -Y sign` (OpenSSH's PROTOCOL.sshsig):
 *
 *   signed data = "SSHSIG" || string namespace || string reserved("") || string hash_alg || string H(message)
 *   blob        = "SSHSIG" || uint32 1 || string publickey || string namespace || string reserved
 *                 || string hash_alg || string signature
 *
 * armored as `-----BEGIN SSH SIGNATURE-----`, base64 in 70-column lines, `-----END SSH SIGNATURE-----`.
 * wheelbarrow signs with hash sha512 (ssh-keygen's default) and accepts sha256 or sha512 when
 * verifying, as ssh-keygen does. Parsing is bounds-checked (a hostile .sig is an ordinary input).
 * Pure: no I/O.
 */
import { checkSshSignature, parsePublicKeyBlob, type SshPublicKey } from "./ssh-public-key.js";
import { SshReader, SshWireError, sshString, u32 } from "./ssh-wire.js";

export const NAMESPACE = "wheelbarrow";
export const SIG_SUFFIX = ".sig";
const MAGIC = Buffer.from("SSHSIG");
const BEGIN = "-----BEGIN SSH SIGNATURE-----";
const END = "-----END SSH SIGNATURE-----";
const MAX_ARMORED = 64 * 1024;
export type SigHash = "sha256" | "sha512";

export interface SshSig {
  publicKey: SshPublicKey;
  namespace: string;
  hashAlg: SigHash;
  /** The SSH signature blob (`string alg, string sig`). */
  signature: Buffer;
}

/** What the key actually signs, from the message's digest. */
export function signedData(namespace: string, hashAlg: SigHash, digest: Buffer): Buffer {
  return Buffer.concat([MAGIC, sshString(namespace), sshString(""), sshString(hashAlg), sshString(digest)]);
}

export function encodeSshSig(publicKeyBlob: Buffer, namespace: string, hashAlg: SigHash, signature: Buffer): Buffer {
  return Buffer.concat([MAGIC, u32(1), sshString(publicKeyBlob), sshString(namespace), sshString(""), sshString(hashAlg), sshString(signature)]);
}

export function armor(blob: Buffer): string {
  const b64 = blob.toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 70) lines.push(b64.slice(i, i + 70));
  return `${BEGIN}\n${lines.join("\n")}\n${END}\n`;
}

/** Parses an armored SSHSIG; throws SshWireError naming what is wrong. */
export function parseArmoredSshSig(text: Buffer | string): SshSig {
  const t = typeof text === "string" ? text : text.toString("latin1");
  if (t.length > MAX_ARMORED) throw new SshWireError(`too large to be an SSH signature (${t.length} bytes)`);
  const lines = t.split(/\r?\n/).map((l) => l.trim());
  const b = lines.indexOf(BEGIN);
  const e = lines.indexOf(END);
  if (b < 0 || e < b) throw new SshWireError(`not an SSH signature (no ${BEGIN} ... ${END} block)`);
  const body = lines.slice(b + 1, e).join("");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) throw new SshWireError("the signature's base64 body is damaged");
  return parseSshSigBlob(Buffer.from(body, "base64"));
}

export function parseSshSigBlob(blob: Buffer): SshSig {
  const r = new SshReader(blob);
  if (!r.bytes(6, "magic").equals(MAGIC)) throw new SshWireError("not an SSHSIG blob (bad magic)");
  const version = r.uint32("version");
  if (version !== 1) throw new SshWireError(`SSHSIG version ${version} is not supported (1 is)`);
  const publicKey = parsePublicKeyBlob(r.string("public key"));
  const namespace = r.text("namespace");
  r.string("reserved");
  const hashAlg = r.text("hash algorithm", 64);
  if (hashAlg !== "sha256" && hashAlg !== "sha512") throw new SshWireError(`hash algorithm ${hashAlg} is not accepted (sha256 or sha512)`);
  const signature = r.string("signature");
  r.end("the SSHSIG blob");
  return { publicKey, namespace, hashAlg, signature };
}

/**
 * Checks `sig` over a message known by its digest under `hashAlg` (digest of the message with
 * sig.hashAlg). Returns null when valid, else why not.
 */
export function checkSshSig(sig: SshSig, namespace: string, messageDigest: Buffer): string | null {
  if (sig.namespace !== namespace) return `the signature is for namespace '${sig.namespace}', not '${namespace}'`;
  try {
    return checkSshSignature(sig.publicKey, sig.signature, signedData(sig.namespace, sig.hashAlg, messageDigest));
  } catch (e) {
    if (e instanceof SshWireError) return `the signature is malformed (${e.message})`;
    throw e;
  }
}
