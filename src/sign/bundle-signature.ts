/**
 * The two signatures of a signed bundle: SHA256SUMS.sig inside it (over SHA256SUMS, which lists
 * every other file's sha256, so a valid signature plus a clean `verify` covers every byte that is
 * installed), and `<archive>.sig` next to an archive (over the archive file itself, so it can be
 * checked before unpacking). With allowed signers the inner signature is required; the outer one
 * is checked whenever it is present.
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { WbError } from "../errors.js";
import { SUMS_NAME, SUMS_SIG_NAME } from "../bundle/manifest.js";
import type { OpenedBundle } from "../bundle/read-bundle.js";
import { checkSignature, type CheckOptions, type SignatureInfo } from "./check-signature.js";
import { SIG_SUFFIX } from "./sshsig.js";

/** null when the bundle is unsigned and no allowed signers were given. */
export function checkBundleSignature(b: OpenedBundle, o: CheckOptions): SignatureInfo | null {
  const sig = b.texts.get(SUMS_SIG_NAME);
  const sums = b.texts.get(SUMS_NAME);
  if (sig === undefined) {
    if (!o.allowed) return null;
    throw new WbError("E_SIGNATURE", `${b.source} is not signed (it has no ${SUMS_SIG_NAME})`, {
      hint: ["--allowed-signers requires a signed bundle: build it with 'wheelbarrow bundle --sign-key KEY' (or --sign-agent)", "without --allowed-signers, verify checks only that the bundle agrees with itself"],
      details: { file: SUMS_SIG_NAME },
    });
  }
  if (sums === undefined) throw new WbError("E_SIGNATURE", `${b.source} has ${SUMS_SIG_NAME} but no ${SUMS_NAME} to check it against`, { hint: "the bundle was altered; do not install it" });
  return checkSignature(`${SUMS_SIG_NAME} in ${b.source}`, sig, SUMS_NAME, (alg) => createHash(alg).update(sums).digest(), o);
}

/** Checks `<archive>.sig` when it exists (null when it does not). */
export async function checkArchiveSignature(archive: string, display: string, o: CheckOptions): Promise<SignatureInfo | null> {
  const sigPath = archive + SIG_SUFFIX;
  try {
    if (!(await stat(sigPath)).isFile()) return null;
  } catch {
    return null;
  }
  const text = await readFile(sigPath);
  const h256 = createHash("sha256");
  const h512 = createHash("sha512");
  for await (const c of createReadStream(archive)) {
    h256.update(c as Buffer);
    h512.update(c as Buffer);
  }
  const digests = { sha256: h256.digest(), sha512: h512.digest() };
  return checkSignature(display + SIG_SUFFIX, text, display, (alg) => digests[alg], o);
}
