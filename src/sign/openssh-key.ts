/**
 * OpenSSH private key files (`-----BEGIN OPENSSH PRIVATE KEY-----`, the `openssh-key-v1` format
 * ssh-keygen writes by default):
 *
 *   "openssh-key-v1\0" || string cipher || string kdf || string kdfoptions || uint32 nkeys
 *   || string publickey... || string private section
 *   private section = uint32 check || uint32 check || (string type || key fields || string comment)...
 *                     || padding 1, 2, 3...
 *
 * Only unencrypted (cipher "none") ed25519 keys are signed with; an encrypted key or another key
 * type is reported with `reason` so the caller can say what to do (for example use ssh-agent).
 * Pure: no I/O.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { ED25519, ed25519Blob } from "./ssh-public-key.js";
import { SshReader, SshWireError } from "./ssh-wire.js";

const BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END = "-----END OPENSSH PRIVATE KEY-----";
const AUTH_MAGIC = Buffer.from("openssh-key-v1\0", "latin1");

export type KeyProblem = "encrypted" | "unsupported" | "malformed";

export class OpenSshKeyError extends Error {
  constructor(
    readonly reason: KeyProblem,
    message: string,
  ) {
    super(message);
    this.name = "OpenSshKeyError";
  }
}

export interface Ed25519PrivateKey {
  /** The public key blob (`string "ssh-ed25519", string pk`). */
  publicBlob: Buffer;
  privateKey: KeyObject;
  comment: string;
}

export function parseOpenSshPrivateKey(text: string): Ed25519PrivateKey {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const b = lines.indexOf(BEGIN);
  const e = lines.indexOf(END);
  if (b < 0 || e < b) {
    if (/BEGIN (RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY/.test(text)) throw new OpenSshKeyError("unsupported", "is a PEM/PKCS#8 key, not an OpenSSH private key");
    throw new OpenSshKeyError("malformed", `is not an OpenSSH private key (no ${BEGIN} line)`);
  }
  const body = lines.slice(b + 1, e).join("");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new OpenSshKeyError("malformed", "its base64 body is damaged");
  try {
    return parseBlob(Buffer.from(body, "base64"));
  } catch (err) {
    if (err instanceof SshWireError) throw new OpenSshKeyError("malformed", `is damaged (${err.message})`);
    throw err;
  }
}

function parseBlob(buf: Buffer): Ed25519PrivateKey {
  const r = new SshReader(buf);
  if (!r.bytes(AUTH_MAGIC.length, "magic").equals(AUTH_MAGIC)) throw new SshWireError("bad magic (not openssh-key-v1)");
  const cipher = r.text("cipher name", 64);
  const kdf = r.text("kdf name", 64);
  r.string("kdf options");
  if (cipher !== "none" || kdf !== "none") throw new OpenSshKeyError("encrypted", `is encrypted with a passphrase (cipher ${cipher}, kdf ${kdf})`);
  const n = r.uint32("number of keys");
  if (n !== 1) throw new OpenSshKeyError("unsupported", `holds ${n} keys; one is expected`);
  const pubBlob = r.string("public key");
  const priv = new SshReader(r.string("private section"));
  r.end("the key file");
  if (priv.uint32("check int") !== priv.uint32("check int")) throw new SshWireError("the check integers differ");
  const type = priv.text("key type", 64);
  if (type !== ED25519) throw new OpenSshKeyError("unsupported", `is a ${type} key; signing needs an ssh-ed25519 key (ssh-keygen -t ed25519)`);
  const pk = priv.string("ed25519 public key");
  const sk = priv.string("ed25519 private key");
  if (pk.length !== 32 || sk.length !== 64) throw new SshWireError("the ed25519 key has the wrong length");
  if (!sk.subarray(32).equals(pk)) throw new SshWireError("the private key's public half differs from its public key");
  const publicBlob = ed25519Blob(pk);
  if (!publicBlob.equals(pubBlob)) throw new SshWireError("the public key in the header differs from the private key's");
  const comment = priv.string("comment").toString("utf8");
  const pad = priv.bytes(priv.remaining, "padding");
  if (pad.length >= 8 || !pad.every((x, i) => x === i + 1)) throw new SshWireError("the padding is wrong");
  const privateKey = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: sk.subarray(0, 32).toString("base64url"), x: pk.toString("base64url") }, format: "jwk" });
  return { publicBlob, privateKey, comment };
}
