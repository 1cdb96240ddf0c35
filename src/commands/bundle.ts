/**
 * `wheelbarrow bundle`: plan every target (lock), download every selected file once for all
 * targets, then write one archive per target. If any step fails, nothing of this run is left in
 * --out: archives already written by this run are removed, and each archive is itself written to
 * a temp name and renamed.
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rmSync } from "node:fs";
import type { Context } from "../context.js";
import { WbError } from "../errors.js";
import { writeBundle, type BundleInput, type BundlePackage } from "../bundle/write-bundle.js";
import type { Target } from "../targets/target.js";
import type { PlannedPackage } from "../plan/types.js";
import { downloadAll, type DownloadRequest } from "../download/downloader.js";
import { checkPlannedMetadata } from "../index/metadata-agreement.js";
import { TOOL_VERSION } from "../version.js";
import { resolveRunOptions } from "./options.js";
import { runPlan } from "./run-plan.js";

/** Where install.py, install.sh and install.ps1 live (src/installer, shipped with the package). */
export function installerDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "installer");
}

export function manifestTarget(t: Target): BundleInput["target"] {
  return {
    spec: t.spec,
    platform: t.platform,
    python: t.pythonVersion,
    implementation: t.implementation,
    pythonTag: t.pythonTag,
    freeThreaded: t.freeThreaded,
    os: t.os,
    arch: t.arch,
    libc: t.libc ? { family: t.libc.family, version: `${t.libc.major}.${t.libc.minor}` } : null,
    macos: t.macos ? `${t.macos.major}.${t.macos.minor}` : null,
    tags: t.tags,
  };
}

export function sourceDateEpoch(env: Record<string, string | undefined>): number {
  const raw = env["SOURCE_DATE_EPOCH"];
  if (raw === undefined || raw === "") return 315532800; // 1980-01-01T00:00:00Z: the earliest time a zip can hold
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 315532800) throw new WbError("E_USAGE", `SOURCE_DATE_EPOCH must be an integer number of seconds >= 315532800 (1980-01-01), got '${raw}'`);
  return n;
}

export async function bundleCommand(args: unknown[], flags: Record<string, unknown>, ctx: Context): Promise<number> {
  const opts = await resolveRunOptions(args[0] as string | undefined, flags, ctx, { out: "dist" });
  const epoch = sourceDateEpoch(ctx.env);
  const { plan, session } = await runPlan(opts, ctx);
  const written: string[] = [];
  try {
    // One download per file, whichever targets need it.
    const requests = new Map<string, DownloadRequest>();
    for (const tp of plan.targets) {
      for (const p of tp.packages) {
        requests.set(p.file.url, {
          url: p.file.url,
          displayUrl: p.file.displayUrl,
          filename: p.file.filename,
          sha256: p.sha256 ?? undefined,
          size: p.file.size,
          indexHashes: p.file.hashes,
          extraHashes: p.allowedHashes,
        });
      }
    }
    const paths = await downloadAll([...requests.values()], { net: session.net, cache: session.cache, jobs: opts.jobs, offline: opts.offline, reporter: session.reporter });
    const ownMetadata = await checkPlannedMetadata(plan.targets.flatMap((t) => t.packages), paths, session.cache);
    const name = opts.name ?? (opts.app ? basename(opts.app) : "bundle");
    const version = opts.version ?? "0.0.0";
    const results = [];
    for (const tp of plan.targets) {
      const packages: BundlePackage[] = tp.packages.map((p: PlannedPackage) => {
        const got = paths.get(p.file.url);
        if (!got) throw new Error(`internal: ${p.file.filename} was not downloaded`);
        return {
          name: p.name,
          version: p.version,
          filename: p.file.filename,
          sha256: got.sha256,
          size: got.size,
          requested: p.requested,
          index: p.file.source.url,
          url: p.file.displayUrl,
          cachePath: got.path,
          metadataText: ownMetadata.get(p.file.url) ?? p.metadataText,
        };
      });
      const format = opts.format ?? (tp.target.os === "windows" ? "zip" : "tar.gz");
      const r = await writeBundle({
        name,
        version,
        entry: opts.entry ?? null,
        target: manifestTarget(tp.target),
        packages,
        appDir: opts.app,
        exclude: opts.exclude,
        installerDir: installerDir(),
        format,
        outDir: opts.out,
        sourceDateEpoch: epoch,
        toolVersion: TOOL_VERSION,
      });
      written.push(r.path);
      results.push({ target: tp.target.spec, ...r, packages: packages.length });
      if (!opts.quiet && !opts.json) ctx.stderr.write(`wrote ${r.path} (${packages.length} packages${r.size ? `, ${(r.size / 1e6).toFixed(1)} MB` : ""})\n`);
    }
    if (opts.json) ctx.stdout.write(JSON.stringify({ bundles: results }, null, 2) + "\n");
    return 0;
  } catch (e) {
    for (const p of written) rmSync(p, { recursive: true, force: true });
    throw e;
  } finally {
    await session.close();
  }
}
