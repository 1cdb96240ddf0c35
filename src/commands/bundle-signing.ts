/**
 * What `bundle` does around each archive for operators without Node: with --sign-key or
 * --sign-agent, `<archive>.sig` (SSHSIG, namespace wheelbarrow) next to each archive (an unsigned
 * run removes a stale one); after the last target, `<out>/SHA256SUMS` over every archive in
 * --out. Paths it creates are added to `written`, so a failed run removes them with the archives.
 */
import { basename, resolve } from "node:path";
import type { Context } from "../context.js";
import { usageError } from "../errors.js";
import { updateOutChecksums } from "../bundle/out-checksums.js";
import type { BundleResult } from "../bundle/write-bundle.js";
import { openSigner, type Signer } from "../sign/signer.js";
import { removeStaleSignature, writeArchiveSignature } from "../sign/write-signature.js";

export interface BundleSigning {
  signer: Signer | undefined;
  afterArchive(r: BundleResult): Promise<void>;
  finish(): Promise<void>;
  close(): void;
}

export async function signingAfterWrite(flags: Record<string, unknown>, ctx: Context, outDir: string, written: string[]): Promise<BundleSigning> {
  const keyFlag = flags["signKey"];
  if (keyFlag !== undefined && (typeof keyFlag !== "string" || keyFlag === "")) throw usageError("--sign-key needs the path of an OpenSSH ed25519 private key");
  const signer = (await openSigner({ keyFile: typeof keyFlag === "string" ? resolve(ctx.cwd, keyFlag) : undefined, agent: Boolean(flags["signAgent"]), env: ctx.env })) ?? undefined;
  const fresh = new Map<string, string>();
  return {
    signer,
    async afterArchive(r) {
      if (r.sha256 === null) return;
      fresh.set(basename(r.path), r.sha256);
      if (signer) written.push(await writeArchiveSignature(signer, r.path));
      else await removeStaleSignature(r.path);
    },
    async finish() {
      await updateOutChecksums(outDir, fresh);
      if (signer && !flags["quiet"] && !flags["json"]) ctx.stderr.write(`signed with ${signer.publicKey.type} ${signer.fingerprint} (namespace wheelbarrow)\n`);
    },
    close() {
      signer?.close();
    },
  };
}
