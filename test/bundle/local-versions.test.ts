/**
 * diff and verify order and compare versions as src/pypa/versions.ts does (packaging's rules),
 * local labels included: `+0x10` is an alphanumeric segment (not the number 16) and any numeric
 * segment sorts above it, so `1.0+0x10 < 1.0+15` and `1.0+16 != 1.0+0x10`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDiff } from "../../src/bundle/diff.js";
import { compareVersions, versionsEqual } from "../../src/pypa/versions.js";
import { type BundleResult } from "../../src/bundle/write-bundle.js";
import type { WheelSpec } from "../helpers/wheel-builder.js";
import { bundleInput, makeInstallerDir, makePackages, removeTempDirs, tempDir } from "./helpers.js";
import { diffBundles, verifyBundle, writeBundle } from "../helpers/bundle-api.js";

const spec = (version: string): WheelSpec[] => [{ name: "tinyweb", version, files: { "tinyweb/__init__.py": `v = '${version}'\n` } }];

let root: string;
let installerDir: string;
async function bundleOf(version: string, out: string): Promise<BundleResult> {
  const packages = await makePackages(join(root, `cache-${out}`), spec(version));
  return writeBundle(bundleInput({ packages, installerDir, format: "dir", outDir: join(root, out) }));
}

beforeAll(() => {
  root = tempDir("wb-local-versions-");
  installerDir = makeInstallerDir(root);
});
afterAll(removeTempDirs);

describe("local versions in diff and verify", () => {
  it("the order the tests rely on is packaging's", () => {
    expect(compareVersions("1.0+0x10", "1.0+15")).toBe(-1);
    expect(versionsEqual("1.0+16", "1.0+0x10")).toBe(false);
  });

  it("diff: 1.0+0x10 -> 1.0+15 is an upgrade, 1.0+16 -> 1.0+0x10 a downgrade (not a rebuild of one version)", async () => {
    const hex = await bundleOf("1.0+0x10", "hex");
    const d15 = await diffBundles(hex.path, (await bundleOf("1.0+15", "fifteen")).path);
    expect(d15.packages.upgraded).toEqual([{ name: "tinyweb", from: "1.0+0x10", to: "1.0+15", oldFilename: "tinyweb-1.0+0x10-py3-none-any.whl", newFilename: "tinyweb-1.0+15-py3-none-any.whl" }]);
    expect(d15.packages.downgraded).toEqual([]);
    expect(formatDiff(d15)).toContain("  upgraded  tinyweb  1.0+0x10 -> 1.0+15\n");
    const d16 = await diffBundles((await bundleOf("1.0+16", "sixteen")).path, hex.path);
    expect(d16.packages).toMatchObject({ upgraded: [], downgraded: [{ name: "tinyweb", from: "1.0+16", to: "1.0+0x10" }], rebuilt: [], unchanged: 0 });
  });

  it("verify: a requirements.txt that says 1.0+0x10 where the manifest has 1.0+16 is reported as another version", async () => {
    const b = await bundleOf("1.0+16", "verify");
    await expect(verifyBundle(b.path)).resolves.toMatchObject({ packages: 1 });
    const req = join(b.path, "requirements.txt");
    writeFileSync(req, readFileSync(req, "utf8").replace("tinyweb==1.0+16 ", "tinyweb==1.0+0x10 "));
    await expect(verifyBundle(b.path)).rejects.toThrow("requirements.txt: content differs from SHA256SUMS and manifest.json");
    await expect(verifyBundle(b.path)).rejects.toThrow("lists tinyweb 1.0+0x10, manifest.json has 1.0+16");
  });

  it("verify: an equal spelling of the same version (1.0+16 vs 1.0.0+16) is not a version problem", async () => {
    const b = await bundleOf("1.0+16", "verify-eq");
    const req = join(b.path, "requirements.txt");
    writeFileSync(req, readFileSync(req, "utf8").replace("tinyweb==1.0+16 ", "tinyweb==1.0.0+16 "));
    const e = await verifyBundle(b.path).then(
      () => null,
      (x: unknown) => x as Error,
    );
    expect(e?.message).toContain("requirements.txt: content differs from SHA256SUMS and manifest.json");
    expect(e?.message).not.toContain("lists tinyweb");
  });
});
