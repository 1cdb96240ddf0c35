/**
 * Checks an armored SSHSIG the way `ssh-keygen -Y verify -f allowed_signers -I identity
 * -n wheelbarrow` does: the signature is well formed, in namespace `wheelbarrow`, valid for the
 * message under the key it carries, and that key is accepted by a line of allowed_signers (for
 * the identity, when one is given; without one, like `ssh-keygen -Y find-principals`, any
 * accepting line will do and its principals are reported). Without allowed signers only the
 * first three are checked: the result says who signed, not that the signer is trusted.
 * Every failure is E_SIGNATURE.
 */
import { readFile } from "node:fs/promises";
import { WbError } from "../errors.js";
import { findSigners, parseAllowedSigners, type AllowedSigners } from "./allowed-signers.js";
import { fingerprint } from "./ssh-public-key.js";
import { NAMESPACE, checkSshSig, parseArmoredSshSig, type SigHash } from "./sshsig.js";
import { SshWireError } from "./ssh-wire.js";

export interface SignatureInfo {
  /** What was signed, as named to the user (e.g. `SHA256SUMS` or the archive's path). */
  signed: string;
  keyType: string;
  fingerprint: string;
  /** true when an allowed_signers line accepted the key. */
  authenticated: boolean;
  /** The accepting lines' principals (only with allowed signers). */
  principals: string[];
}

export interface CheckOptions {
  allowed?: AllowedSigners;
  /** For messages: the allowed_signers file name. */
  allowedFile?: string;
  identity?: string;
  /** Epoch seconds, for valid-after / valid-before. */
  now: number;
}

function fail(message: string, hint: string | string[], details: Record<string, unknown>): WbError {
  return new WbError("E_SIGNATURE", message, { hint, details });
}

/** `digest(alg)`: the signed message's digest under the signature's hash algorithm. */
export function checkSignature(sigName: string, sigText: Buffer, signed: string, digest: (alg: SigHash) => Buffer, o: CheckOptions): SignatureInfo {
  let sig;
  try {
    sig = parseArmoredSshSig(sigText);
  } catch (e) {
    if (!(e instanceof SshWireError)) throw e;
    throw fail(`${sigName} is not a valid SSH signature: ${e.message}`, "the signature file is damaged or was replaced; fetch the bundle and its .sig again", { file: sigName });
  }
  const fp = fingerprint(sig.publicKey.blob);
  const why = checkSshSig(sig, NAMESPACE, digest(sig.hashAlg));
  if (why !== null) {
    throw fail(`${sigName} does not verify ${signed}: ${why}`, `${signed} was altered after signing, or the signature belongs to something else; do not install it`, { file: sigName, signed, fingerprint: fp });
  }
  const info: SignatureInfo = { signed, keyType: sig.publicKey.type, fingerprint: fp, authenticated: false, principals: [] };
  if (!o.allowed) return info;
  const hits = findSigners(o.allowed, sig.publicKey, NAMESPACE, o.now, o.identity);
  if (hits.length === 0) {
    const who = o.identity === undefined ? "" : ` for identity '${o.identity}'`;
    const hints = [
      `the signature is valid but made by ${sig.publicKey.type} ${fp}, which ${o.allowedFile ?? "allowed_signers"} does not accept${who} (for namespace ${NAMESPACE}, now)`,
      ...o.allowed.problems.map((p) => `${o.allowedFile ?? "allowed_signers"} ${p} (line skipped)`),
    ];
    throw fail(`${sigName} is signed by a key that is not allowed${who}`, hints, { file: sigName, fingerprint: fp, identity: o.identity ?? null });
  }
  return { ...info, authenticated: true, principals: [...new Set(hits.map((h) => h.principals))] };
}

export async function loadAllowedSigners(path: string): Promise<AllowedSigners> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new WbError("E_SIGNATURE", `cannot read the allowed signers file ${path} (${(e as NodeJS.ErrnoException).code ?? e})`, {
      hint: "one line per trusted key: 'builder@example.org namespaces=\"wheelbarrow\" ssh-ed25519 AAAA...'",
    });
  }
  const list = parseAllowedSigners(text);
  if (list.signers.length === 0) {
    throw new WbError("E_SIGNATURE", `${path} holds no usable allowed-signers line`, {
      hint: ["format: principals [options] keytype base64-key, as for ssh-keygen -Y verify", ...list.problems.map((p) => `${path} ${p}`)],
    });
  }
  return list;
}
