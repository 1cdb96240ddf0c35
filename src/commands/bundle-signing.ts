/**
 * What `bundle` adds around the archives for operators without Node: with --sign-key or
 * --sign-agent, `<archive>.sig` (SSHSIG, namespace wheelbarrow) next to each archive; and
 * `<out>/SHA256SUMS` over every archive in --out. Both are staged while the bundles are staged
 * (afterStage, prepare) and renamed into place right after publishBundles (publish); discard
 * removes them when the run fails. An unsigned run removes stale `.sig` files of the archives it
 * replaces.
 */
import { basename, resolve } from "node:path";
import { rmSync } from "node:fs";
import type { Context } from "../context.js";
import type { BundleFlags } from "./flags.js";
import { publishOutChecksums, stageOutChecksums, type StagedSums } from "../bundle/out-checksums.js";
import type { StagedBundle } from "../bundle/write-bundle.js";
import { untrackTemp } from "../store/temp-files.js";
import { openSigner, type Signer } from "../sign/signer.js";
import { SIG_SUFFIX } from "../sign/sshsig.js";
import { discardSignature, publishSignature, removeStaleSignature, stageArchiveSignature, type StagedSignature } from "../sign/write-signature.js";

export interface BundleSigning {
  signer: Signer | undefined;
  afterStage(r: StagedBundle): Promise<void>;
  /** For --json: where the archive's signature goes and who signs (empty when unsigned). */
  describe(r: StagedBundle): { signature?: string; signer?: string };
  /** Stage <out>/SHA256SUMS (after the last bundle is staged). */
  prepare(outDir: string): Promise<void>;
  /** Synchronous, right after publishBundles. */
  publish(): void;
  discard(): void;
  close(): void;
}

/** Opens the signer of --sign-key / --sign-agent (before any network work, so a bad key fails fast). */
export async function openBundleSigning(flags: Pick<BundleFlags, "signKey" | "signAgent">, ctx: Context): Promise<BundleSigning> {
  const signer = (await openSigner({ keyFile: flags.signKey !== undefined ? resolve(ctx.cwd, flags.signKey) : undefined, agent: flags.signAgent, env: ctx.env })) ?? undefined;
  const fresh = new Map<string, string>();
  const unsigned: string[] = [];
  const sigs: StagedSignature[] = [];
  let sums: StagedSums | null = null;
  return {
    signer,
    async afterStage(r) {
      if (r.sha256 === null) return;
      fresh.set(basename(r.path), r.sha256);
      if (signer) sigs.push(await stageArchiveSignature(signer, r.tmp, r.path));
      else unsigned.push(r.path);
    },
    describe(r) {
      return signer && r.sha256 !== null ? { signature: r.path + SIG_SUFFIX, signer: signer.fingerprint } : {};
    },
    async prepare(outDir) {
      sums = await stageOutChecksums(outDir, fresh);
    },
    publish() {
      for (const s of sigs) publishSignature(s);
      for (const a of unsigned) removeStaleSignature(a);
      if (sums) publishOutChecksums(sums);
      sigs.length = 0;
      sums = null;
    },
    discard() {
      for (const s of sigs) discardSignature(s);
      if (sums) {
        rmSync(sums.tmp, { force: true });
        untrackTemp(sums.tmp);
      }
    },
    close() {
      signer?.close();
    },
  };
}
