/**
 * `<archive>.sig` next to each archive: the SSHSIG of the archive file, written to a temp name and
 * renamed, so a reader never sees half a signature. An unsigned rebuild removes the `.sig` an
 * earlier signed build left, which would otherwise no longer match the archive.
 */
import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { signFile, type Signer } from "./signer.js";
import { SIG_SUFFIX } from "./sshsig.js";

export async function writeArchiveSignature(signer: Signer, archive: string): Promise<string> {
  const final = archive + SIG_SUFFIX;
  const tmp = join(dirname(archive), `.${basename(final)}.tmp-${randomBytes(6).toString("hex")}`);
  try {
    await writeFile(tmp, await signFile(signer, archive), { flag: "wx", mode: 0o644 });
    await rename(tmp, final);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return final;
}

export async function removeStaleSignature(archive: string): Promise<void> {
  await rm(archive + SIG_SUFFIX, { force: true });
}
