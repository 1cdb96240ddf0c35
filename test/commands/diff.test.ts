// `wheelbarrow diff`: human and --json on stdout; exit 0 whether or not the bundles differ.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffCommand } from "../../src/commands/diff.js";
import { type BundleResult } from "../../src/bundle/write-bundle.js";
import { WHEEL_SPECS, bundleInput, fakeContext, makeInstallerDir, makePackages, removeTempDirs, tempDir } from "../bundle/helpers.js";
import { writeBundle } from "../helpers/bundle-api.js";

let root: string;
let a: BundleResult;
let b: BundleResult;

beforeAll(async () => {
  root = tempDir("wb-cmd-diff-");
  const installerDir = makeInstallerDir(root);
  a = await writeBundle(bundleInput({ packages: await makePackages(join(root, "c1")), installerDir, outDir: join(root, "old") }));
  const upgraded = WHEEL_SPECS.map((s) => (s.name === "helper" ? { ...s, version: "0.4" } : s));
  b = await writeBundle(bundleInput({ packages: await makePackages(join(root, "c2"), upgraded), installerDir, outDir: join(root, "new"), format: "dir" }));
});
afterAll(removeTempDirs);

describe("diff command", () => {
  it("human output names the upgrade", async () => {
    const { ctx, out, err } = fakeContext(root);
    expect(await diffCommand([join("old", `${a.stem}.tar.gz`), join("new", b.stem)], { json: false }, ctx)).toBe(0);
    expect(out()).toContain("packages: 0 added, 0 removed, 1 upgraded, 0 downgraded, 0 rebuilt, 2 unchanged\n  upgraded  helper  0.3 -> 0.4\n");
    expect(err()).toBe("");
  });

  it("--json prints the upgraded packages with both filenames, the unchanged count and the old bundle's path", async () => {
    const { ctx, out } = fakeContext(root);
    expect(await diffCommand([a.path, b.path], { json: true }, ctx)).toBe(0);
    const d = JSON.parse(out()) as { packages: { upgraded: unknown[]; unchanged: number }; old: { bundle: string } };
    expect(d.packages.upgraded).toEqual([{ name: "helper", from: "0.3", to: "0.4", oldFilename: "helper-0.3-py3-none-any.whl", newFilename: "helper-0.4-py3-none-any.whl" }]);
    expect(d.packages.unchanged).toBe(2);
    expect(d.old.bundle).toBe(a.path);
  });

  it("an empty second bundle argument is E_USAGE asking for two bundles", async () => {
    const { ctx } = fakeContext(root);
    await expect(diffCommand([a.path, ""], { json: false }, ctx)).rejects.toMatchObject({ code: "E_USAGE", message: "diff needs two bundles: OLD NEW" });
  });
});
