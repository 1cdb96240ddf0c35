/**
 * SSH public keys: the wire blob (`string "ssh-ed25519", string key`), the one-line
 * `ssh-ed25519 AAAA... comment` text form, the SHA256 fingerprint exactly as `ssh-keygen -l`
 * prints it (`SHA256:` + unpadded base64 of the blob's sha256), and a Node KeyObject to verify
 * with. Ed25519 is the key type wheelbarrow signs with; RSA (rsa-sha2-256/512) and ECDSA
 * (nistp256/384/521) keys are accepted for verifying, so a signature made by `ssh-keygen -Y sign`
 * with any of the usual keys can be checked.
 * Pure: no I/O.
 */
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { SshReader, SshWireError, sshString } from "./ssh-wire.js";

export const ED25519 = "ssh-ed25519";
const EC_CURVES: Record<string, { crv: string; size: number }> = {
  "ecdsa-sha2-nistp256": { crv: "P-256", size: 32 },
  "ecdsa-sha2-nistp384": { crv: "P-384", size: 48 },
  "ecdsa-sha2-nistp521": { crv: "P-521", size: 66 },
};

export interface SshPublicKey {
  type: string;
  /** The whole wire blob (what fingerprints and allowed_signers compare). */
  blob: Buffer;
  key: KeyObject;
}

const b64url = (b: Buffer): string => b.toString("base64url");

/** Strips the leading zero bytes of an mpint and left-pads to `size` bytes. */
function fixedWidth(mp: Buffer, size: number, what: string): Buffer {
  let i = 0;
  while (i < mp.length - 1 && mp[i] === 0) i++;
  const v = mp.subarray(i);
  if (v.length > size) throw new SshWireError(`${what} is longer than the curve allows`);
  return Buffer.concat([Buffer.alloc(size - v.length), v]);
}

function unsignedMpint(mp: Buffer, what: string): Buffer {
  if (mp.length === 0 || ((mp[0] as number) & 0x80) !== 0) throw new SshWireError(`${what} is not a positive integer`);
  let i = 0;
  while (i < mp.length - 1 && mp[i] === 0) i++;
  return mp.subarray(i);
}

/** Parses a public key blob; throws SshWireError for anything malformed or unsupported. */
export function parsePublicKeyBlob(blob: Buffer): SshPublicKey {
  const r = new SshReader(blob);
  const type = r.text("public key type", 64);
  try {
    if (type === ED25519) {
      const pk = r.string("ed25519 public key");
      if (pk.length !== 32) throw new SshWireError(`an ed25519 public key has 32 bytes, this one ${pk.length}`);
      r.end("the public key");
      return { type, blob, key: createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64url(pk) }, format: "jwk" }) };
    }
    if (type === "ssh-rsa") {
      const e = unsignedMpint(r.string("RSA exponent"), "RSA exponent");
      const n = unsignedMpint(r.string("RSA modulus"), "RSA modulus");
      r.end("the public key");
      if (n.length * 8 < 1024) throw new SshWireError("RSA keys shorter than 1024 bits are refused");
      return { type, blob, key: createPublicKey({ key: { kty: "RSA", n: b64url(n), e: b64url(e) }, format: "jwk" }) };
    }
    const curve = EC_CURVES[type];
    if (curve) {
      r.text("curve name", 64);
      const q = r.string("EC point");
      r.end("the public key");
      if (q.length !== 1 + 2 * curve.size || q[0] !== 4) throw new SshWireError("the EC point is not an uncompressed point of the curve");
      const x = q.subarray(1, 1 + curve.size);
      const y = q.subarray(1 + curve.size);
      return { type, blob, key: createPublicKey({ key: { kty: "EC", crv: curve.crv, x: b64url(x), y: b64url(y) }, format: "jwk" }) };
    }
  } catch (e) {
    if (e instanceof SshWireError) throw e;
    throw new SshWireError(`the ${type} public key is not valid (${(e as Error).message})`);
  }
  throw new SshWireError(`key type ${type} is not supported (use ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp*)`);
}

export function ed25519Blob(pk: Buffer): Buffer {
  return Buffer.concat([sshString(ED25519), sshString(pk)]);
}

/** `SHA256:...` as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/** Parses `type base64 [comment]` (a .pub file's line). */
export function parsePublicKeyLine(line: string): SshPublicKey {
  const m = /^\s*(\S+)\s+([A-Za-z0-9+/]+={0,2})(\s.*)?$/.exec(line);
  if (!m) throw new SshWireError("not a public key line ('type base64 [comment]')");
  const k = parsePublicKeyBlob(Buffer.from(m[2] as string, "base64"));
  if (k.type !== m[1]) throw new SshWireError(`the key says ${k.type} but the line says ${m[1]}`);
  return k;
}

/**
 * Verifies an SSH signature blob (`string algorithm, string signature`) over `data` with `pub`.
 * Returns a reason string when it does not verify, null when it does.
 */
export function checkSshSignature(pub: SshPublicKey, sigBlob: Buffer, data: Buffer): string | null {
  const r = new SshReader(sigBlob);
  const alg = r.text("signature algorithm", 64);
  const sig = r.string("signature");
  r.end("the signature");
  if (pub.type === ED25519) {
    if (alg !== ED25519) return `signature algorithm ${alg} does not fit an ${ED25519} key`;
    if (sig.length !== 64) return "an ed25519 signature has 64 bytes";
    return verify(null, data, pub.key, sig) ? null : "the signature does not match the data and key";
  }
  if (pub.type === "ssh-rsa") {
    const hash = alg === "rsa-sha2-512" ? "sha512" : alg === "rsa-sha2-256" ? "sha256" : null;
    if (!hash) return `signature algorithm ${alg} is not accepted for RSA keys (rsa-sha2-256 or rsa-sha2-512)`;
    return verify(hash, data, pub.key, sig) ? null : "the signature does not match the data and key";
  }
  const curve = EC_CURVES[pub.type];
  if (curve) {
    if (alg !== pub.type) return `signature algorithm ${alg} does not fit an ${pub.type} key`;
    const rs = new SshReader(sig);
    const rr = fixedWidth(rs.string("ECDSA r"), curve.size, "ECDSA r");
    const ss = fixedWidth(rs.string("ECDSA s"), curve.size, "ECDSA s");
    rs.end("the ECDSA signature");
    const hash = curve.size === 32 ? "sha256" : curve.size === 48 ? "sha384" : "sha512";
    return verify(hash, data, { key: pub.key, dsaEncoding: "ieee-p1363" }, Buffer.concat([rr, ss])) ? null : "the signature does not match the data and key";
  }
  return `key type ${pub.type} is not supported`;
}
