/**
 * `<archive>.sig` next to each archive: the SSHSIG of the archive file. It is written under a
 * temp name while the archive is still staged (signing the staged bytes, which are the bytes that
 * get published) and renamed into place right after the archive. An unsigned rebuild removes the
 * `.sig` an earlier signed build left, which would no longer match the archive.
 */
import { renameSync, rmSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { tempName, untrackTemp } from "../store/temp-files.js";
import { signFile, type Signer } from "./signer.js";
import { SIG_SUFFIX } from "./sshsig.js";

export interface StagedSignature {
  tmp: string;
  path: string;
}

/** Signs the file `staged` (to be published as `final`); the signature waits under a temp name. */
export async function stageArchiveSignature(signer: Signer, staged: string, final: string): Promise<StagedSignature> {
  const path = final + SIG_SUFFIX;
  const tmp = tempName(join(dirname(final), `.${basename(path)}`));
  try {
    await writeFile(tmp, await signFile(signer, staged), { flag: "wx", mode: 0o644 });
  } catch (e) {
    await rm(tmp, { force: true });
    untrackTemp(tmp);
    throw e;
  }
  return { tmp, path };
}

export function publishSignature(s: StagedSignature): void {
  renameSync(s.tmp, s.path);
  untrackTemp(s.tmp);
}

export function discardSignature(s: StagedSignature): void {
  rmSync(s.tmp, { force: true });
  untrackTemp(s.tmp);
}

export function removeStaleSignature(archive: string): void {
  rmSync(archive + SIG_SUFFIX, { force: true });
}
