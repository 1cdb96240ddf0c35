/**
 * `wheelbarrow bundle`: plan every target (lock), download every selected file once for all
 * targets, then write one archive per target. Each archive is written under a temp name; all of
 * them are renamed into place together at the end. If any step fails, or the run is interrupted,
 * nothing of this run is left in --out.
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context } from "../context.js";
import { WbError } from "../errors.js";
import { FS_READER, bundlePath, bundleStem, checkReplaceable, collectRunFiles, discardStaged, publishBundles, stageTarget, type BundleInput, type BundlePackage, type SourceReader, type StagedBundle } from "../bundle/write-bundle.js";
import { checkIdentity } from "../bundle/assemble.js";
import { sweepStaleTemps } from "../store/temp-files.js";
import { runTargets } from "./target-files.js";
import { checkSpace, withSpace } from "./no-space.js";
import { formatFor, sourceDateEpoch, type Settings } from "./settings.js";
import type { CommandArgs, BundleFlags } from "./flags.js";
import type { Target } from "../targets/target.js";
import type { PlannedPackage } from "../plan/types.js";
import { downloadAll, type DownloadedFile, type DownloadRequest } from "../download/downloader.js";
import { checkFetchedWheel } from "../bundle/validate-wheel.js";
import { checkPlannedMetadata } from "../index/metadata-agreement.js";
import { TOOL_VERSION } from "../version.js";
import { readSettings, runPlan } from "./run-plan.js";
import { openBundleSigning } from "./bundle-signing.js";
import { fetchProvenance, shippedProvenance } from "../provenance/fetch-provenance.js";
import { distSources } from "../python-dist/dist-sources.js";
import { fetchDist, type EmbeddedPython } from "../python-dist/fetch-dist.js";
import type { BundlePython } from "../bundle/write-bundle.js";

/** The manifest's record of an embedded interpreter: a local file is named, never its host path. */
function bundlePython(p: EmbeddedPython): BundlePython {
  const source = p.source.startsWith("file:") ? p.filename : p.source;
  return { implementation: p.implementation, version: p.version, build: p.build, triple: p.triple, filename: p.filename, sha256: p.sha256, size: p.size, source, floor: p.floor, cachePath: p.cachePath };
}

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

/**
 * Checks made before any work: two targets may not give the same archive name (the second
 * would replace the first), and nothing in --out may be in the way that this tool did not write.
 */
export function checkOutputs(opts: Pick<Settings, "out" | "format">, targets: Target[], name: string, version: string): void {
  const byPath = new Map<string, Target>();
  for (const t of targets) {
    const format = formatFor(opts, t.os);
    const stem = bundleStem(name, version, manifestTarget(t));
    const path = bundlePath(opts.out, stem, format);
    const first = byPath.get(path);
    if (first) {
      throw new WbError("E_USAGE", `--target ${first.input} and --target ${t.input} both give ${basename(path)}: the second bundle would replace the first`, {
        hint: [`both are ${t.platform} with ${t.pythonTag}; a bundle is made per platform and Python minor version, so give only one of them`],
        details: { targets: [first.input, t.input], path },
      });
    }
    byPath.set(path, t);
    checkReplaceable(opts.out, stem, format);
  }
}

/** `reader` is how the app and installer files are read (once per run); tests wrap it to count the reads. */
export async function bundleCommand(args: CommandArgs["bundle"], flags: BundleFlags, ctx: Context, reader: SourceReader = FS_READER): Promise<number> {
  const opts = await readSettings("bundle", args[0], flags, ctx);
  const epoch = sourceDateEpoch(ctx.env);
  const { name, version } = opts;
  if (opts.targets.length || opts.targetFiles.length) checkOutputs(opts, runTargets(opts).targets, name, version);
  sweepStaleTemps(opts.out, (n) => n.startsWith("."));
  const signing = await openBundleSigning(flags, ctx);
  const { plan, session } = await runPlan(opts, ctx).catch((e: unknown) => {
    signing.close();
    throw e;
  });
  const staged: StagedBundle[] = [];
  try {
    // One download per file, whichever targets need it.
    const requests = new Map<string, DownloadRequest>();
    for (const tp of plan.targets) {
      for (const p of tp.packages) {
        requests.set(p.file.url.key, {
          url: p.file.url,
          filename: p.file.filename,
          sha256: p.sha256 ?? undefined,
          size: p.file.size,
          indexHashes: p.file.hashes,
          extraHashes: p.allowedHashes,
        });
      }
    }
    const sources = distSources(plan.targets.map((tp) => tp.target), opts);
    const pythons = new Map<string, BundlePython>();
    for (const tp of plan.targets) {
      const src = sources.get(tp.target.spec);
      if (!src) continue;
      const got = await fetchDist(src, tp.target, { net: session.net, cache: session.cache, cwd: opts.cwd, verifyCache: opts.verifyCache, reporter: session.reporter });
      pythons.set(tp.target.spec, bundlePython(got));
      if (opts.verbose) session.reporter.log.verbose(`${tp.target.spec}: embedding ${got.filename} (glibc floor ${got.floor.glibc ?? "none"}, macOS floor ${got.floor.macos ?? "none"})`);
    }
    const toFetch = [...requests.values()].filter((r) => !(r.sha256 && session.cache.hasWheel(r.sha256)));
    const known = toFetch.reduce((n, r) => n + (r.size ?? 0), 0);
    const downloads = { path: session.cache.root, what: "the downloads", needed: known || undefined, atLeast: toFetch.some((r) => r.size === undefined) };
    if (!opts.offline) checkSpace(downloads);
    // Each wheel is checked as soon as it is in the cache, while the others download.
    const onFile = (f: DownloadedFile) => checkFetchedWheel(f, { cache: session.cache, verifyCache: opts.verifyCache });
    const paths = await withSpace(downloads, () => downloadAll([...requests.values()], { net: session.net, cache: session.cache, jobs: opts.jobs, verifyCache: opts.verifyCache, reporter: session.reporter, onFile }));
    const provenance = await fetchProvenance(
      plan.targets.flatMap((tp) => tp.packages.flatMap((p) => (p.file.provenance && paths.get(p.file.url.key) ? [{ filename: p.file.filename, sha256: paths.get(p.file.url.key)!.sha256, url: p.file.provenance }] : []))),
      { net: session.net, cache: session.cache, warn: (m) => session.reporter.log.warn(m) },
    );
    const ownMetadata = await checkPlannedMetadata(plan.targets.flatMap((t) => t.packages), paths, session.cache);
    // The app tree and the installer files, once for every target.
    checkIdentity(name, version);
    const runFiles = await collectRunFiles(
      {
        appDir: opts.app,
        exclude: opts.exclude,
        include: opts.include,
        onWarning: (message) => {
          if (!opts.quiet && !opts.json) ctx.stderr.write(`warning: ${message}\n`);
        },
        installerDir: installerDir(),
      },
      reader,
    );
    const results = [];
    for (const tp of plan.targets) {
      const packages: BundlePackage[] = tp.packages.map((p: PlannedPackage) => {
        const got = paths.get(p.file.url.key);
        if (!got) throw new Error(`internal: ${p.file.filename} was not downloaded`);
        return {
          name: p.name,
          version: p.version,
          filename: p.file.filename,
          sha256: got.sha256,
          size: got.size,
          requested: p.requested,
          index: p.file.source.url.public,
          url: p.file.url.public,
          cachePath: got.path,
          metadata: ownMetadata.get(p.file.url.key) ?? p.metadata,
          provenance: shippedProvenance(provenance.get(got.sha256)),
        };
      });
      const out = { path: opts.out, what: "the bundles", needed: packages.reduce((n, p) => n + p.size, 0) + (pythons.get(tp.target.spec)?.size ?? 0) };
      checkSpace(out);
      const r = await withSpace(out, () =>
        stageTarget(
          {
            name,
            version,
            entry: opts.entry ?? null,
            target: manifestTarget(tp.target),
            packages,
            python: pythons.get(tp.target.spec),
            state: opts.state,
            format: formatFor(opts, tp.target.os),
            outDir: opts.out,
            sourceDateEpoch: epoch,
            toolVersion: TOOL_VERSION,
            signer: signing.signer,
          },
          runFiles,
        ),
      );
      staged.push(r);
      await signing.afterStage(r);
      results.push({ target: tp.target.spec, path: r.path, format: r.format, size: r.size, sha256: r.sha256, stem: r.stem, packages: packages.length, ...signing.describe(r) });
    }
    // All bundles of the run appear together, or none does.
    await signing.prepare(opts.out);
    publishBundles(staged);
    signing.publish();
    if (!opts.quiet && !opts.json) {
      for (const r of results) ctx.stderr.write(`wrote ${r.path} (${r.packages} packages${r.size ? `, ${(r.size / 1e6).toFixed(1)} MB` : ""})\n`);
    }
    if (opts.json) ctx.stdout.write(JSON.stringify({ ok: true, bundles: results }, null, 2) + "\n");
    return 0;
  } catch (e) {
    discardStaged(staged);
    signing.discard();
    throw e;
  } finally {
    signing.close();
    await session.close();
  }
}
