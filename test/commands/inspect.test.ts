// `wheelbarrow inspect`: human summary and --json on stdout, nothing on stderr.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectCommand } from "../../src/commands/inspect.js";
import { type BundleResult } from "../../src/bundle/write-bundle.js";
import { bundleInput, fakeContext, makeInstallerDir, makePackages, removeTempDirs, tempDir, WINDOWS } from "../bundle/helpers.js";
import { writeBundle } from "../helpers/bundle-api.js";

let root: string;
let bundle: BundleResult;

beforeAll(async () => {
  root = tempDir("wb-cmd-inspect-");
  bundle = await writeBundle(bundleInput({ packages: await makePackages(join(root, "cache")), installerDir: makeInstallerDir(root), target: WINDOWS, format: "zip", outDir: join(root, "dist") }));
});
afterAll(removeTempDirs);

describe("inspect command", () => {
  it("prints the summary and the package table", async () => {
    const { ctx, out, err } = fakeContext(join(root, "dist"));
    expect(await inspectCommand([`${bundle.stem}.zip`], { json: false }, ctx)).toBe(0);
    const lines = out().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^bundle {5}${bundle.stem}\\.zip \\(zip, \\d+\\.\\d kB\\)$`));
    expect(lines[2]).toBe("target     win_amd64@3.12: cpython 3.12, windows amd64, 4 tags");
    expect(lines).toContain("NAME             VERSION  SIZE    REQUESTED  INDEX                    FILE");
    expect(err()).toBe("");
  });

  it("--json is the manifest's content with location and sizes", async () => {
    const { ctx, out } = fakeContext(root);
    expect(await inspectCommand([bundle.path], { json: true }, ctx)).toBe(0);
    const doc = JSON.parse(out()) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(["bundle", "format", "stem", "formatVersion", "createdBy", "app", "target", "packages", "files", "sizes", "signature"]);
    expect(doc["target"]).toEqual(WINDOWS);
    expect((doc["packages"] as { name: string }[]).map((p) => p.name)).toEqual(["helper", "markupsafe-lite", "tinyweb"]);
    expect(doc["sizes"]).toMatchObject({ archive: bundle.size, appFiles: 0, app: 0 });
  });

  it("a file that is not a bundle is E_BUNDLE", async () => {
    const { ctx } = fakeContext(root);
    await expect(inspectCommand([join(root, "cache", "tinyweb-1.0-py3-none-any.whl")], { json: false }, ctx)).rejects.toMatchObject({ code: "E_BUNDLE" });
  });
});
