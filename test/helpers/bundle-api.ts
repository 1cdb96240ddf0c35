// The bundle pipeline's pieces composed the way the commands compose them, one call each, for
// tests that build, verify, inspect or diff a bundle without going through the CLI.
import { diffManifests, type BundleDiff } from "../../src/bundle/diff.js";
import { inspectOpened, manifestOf, type InspectReport } from "../../src/bundle/inspect.js";
import { openBundle } from "../../src/bundle/read-bundle.js";
import { verifyOpened, type VerifyReport } from "../../src/bundle/verify.js";
import { publishBundles, stageBundle, type BundleInput, type BundleResult } from "../../src/bundle/write-bundle.js";

/** Stage and publish one bundle, as `bundle` does for each target. */
export async function writeBundle(input: BundleInput): Promise<BundleResult> {
  const s = await stageBundle(input);
  publishBundles([s]);
  return { path: s.path, format: s.format, size: s.size, sha256: s.sha256, stem: s.stem };
}

/** Open with hashing and verify, as `verify` does. */
export async function verifyBundle(path: string): Promise<VerifyReport> {
  return verifyOpened(await openBundle(path, { hash: true }));
}

/** Open without hashing and describe, as `inspect` does. */
export async function inspectBundle(path: string): Promise<InspectReport> {
  return inspectOpened(await openBundle(path, { hash: false }));
}

/** Compare two bundles' manifests, as `diff` does. */
export async function diffBundles(oldPath: string, newPath: string): Promise<BundleDiff> {
  const [a, b] = await Promise.all([openBundle(oldPath, { hash: false }), openBundle(newPath, { hash: false })]);
  return diffManifests(manifestOf(a), manifestOf(b), { old: { bundle: a.source, stem: a.root }, new: { bundle: b.source, stem: b.root } });
}
