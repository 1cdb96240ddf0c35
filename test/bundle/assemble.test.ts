/**
 * The pure assembler: values in, documents and the entry list out, with nothing read from disk
 * (every path it is given here does not exist). What it plans is what writeBundle writes.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { archivePlan, assembleBundle, type AssembleInput } from "../../src/bundle/assemble.js";
import { collectRunFiles } from "../../src/bundle/write-bundle.js";
import { readParsedWheelMetadata } from "../../src/bundle/wheel-metadata.js";
import { parseMetadata } from "../../src/pypa/metadata.js";
import { parseSha256Sums } from "../../src/bundle/sha256sums.js";
import { WbError } from "../../src/errors.js";
import { LINUX, bundleInput, makeApp, makeInstallerDir, makePackages, removeTempDirs, tempDir } from "./helpers.js";
import { writeBundle } from "../helpers/bundle-api.js";

afterAll(removeTempDirs);

const sha = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");
const NOWHERE = "/nonexistent/wheelbarrow-assemble-test";

function input(over: Partial<AssembleInput> = {}): AssembleInput {
  const wheel = "tiny-1.0-py3-none-any.whl";
  return {
    name: "shop",
    version: "2.3.0",
    entry: "run.py",
    target: LINUX,
    packages: [
      { name: "tiny", version: "1.0", filename: wheel, sha256: sha("wheel"), size: 5, requested: true, index: "https://user:secret@pypi.example.com/simple", cachePath: `${NOWHERE}/${wheel}`, metadata: parseMetadata("Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\nLicense: MIT\n"), sboms: [] },
    ],
    app: [
      { rel: "run.py", abs: `${NOWHERE}/run.py`, size: 3, sha256: sha("run"), executable: false, mode: 0o664 },
      { rel: "conf/secret.ini", abs: `${NOWHERE}/conf/secret.ini`, size: 1, sha256: sha("s"), executable: false, mode: 0o600 },
    ],
    installer: [
      { name: "install.py", mode: 0o755, data: Buffer.from("print('i')\n") },
      { name: "install.sh", mode: 0o755, data: Buffer.from("#!/bin/sh\n") },
    ],
    state: ["media/"],
    signed: false,
    toolVersion: "0.1.0",
    ...over,
  };
}

describe("assembleBundle", () => {
  test("makes every document from values alone, and the same input gives the same bundle", () => {
    const a = assembleBundle(input());
    expect(assembleBundle(input())).toEqual(a);
    const manifest = JSON.parse(a.manifest) as { app: { state: string[] }; packages: { index: string }[]; files: { path: string; mode?: number; executable?: boolean }[] };
    expect(manifest.app.state).toEqual(["media/"]);
    expect(manifest.packages[0]!.index).toBe("https://pypi.example.com/simple");
    // manifest.files lists the app, installer and documents; wheels are listed as packages.
    expect(manifest.files.map((f) => f.path)).toEqual(["README.txt", "app/conf/secret.ini", "app/run.py", "install.py", "install.sh", "pylock.toml", "requirements.txt", "sbom.cdx.json"]);
    expect(manifest.files.find((f) => f.path === "app/conf/secret.ini")).toMatchObject({ mode: 0o600 });
    expect(manifest.files.find((f) => f.path === "app/run.py")).not.toHaveProperty("mode");
    expect(a.pylock).toContain('path = "wheels/tiny-1.0-py3-none-any.whl"');
    expect(a.requirements).toContain(`tiny==1.0 \\\n    --hash=sha256:${sha("wheel")}`);
    expect(JSON.parse(a.sbom).components.map((c: { name: string }) => c.name)).toEqual(["tiny"]);
    expect(a.readme).toContain("shop 2.3.0");
    // SHA256SUMS covers every file but itself, with the hashes the entries carry.
    const sums = parseSha256Sums(a.sums);
    expect(sums.problems).toEqual([]);
    const files = a.files.filter((f) => f.path !== "SHA256SUMS");
    expect(sums.entries.map((e) => e.path)).toEqual(files.map((f) => f.path).sort());
    for (const f of files) expect(sums.entries.find((e) => e.path === f.path)?.sha256).toBe(f.sha256);
    expect(a.files.find((f) => f.path === "manifest.json")?.sha256).toBe(sha(a.manifest));
  });

  test("the entry list is sorted with its directories; a signature adds SHA256SUMS.sig", () => {
    const a = assembleBundle(input({ signed: true }));
    const plan = archivePlan(a, "shop-2.3.0-x", 315532800, "-----BEGIN SSH SIGNATURE-----\n");
    const paths = plan.entries.map((e) => (e.type === "dir" ? `${e.path}/` : e.path));
    expect(paths).toEqual([...paths].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    expect(paths).toContain("app/conf/");
    expect(paths).toContain("SHA256SUMS.sig");
    expect(archivePlan(a, "s", 0, null).entries.map((e) => e.path)).not.toContain("SHA256SUMS.sig");
    expect(a.readme).toContain("SHA256SUMS.sig");
  });

  test("refuses a script entry that is not an app file, and one without an app, as E_USAGE", () => {
    const err = (over: Partial<AssembleInput>) => {
      try {
        assembleBundle(input(over));
      } catch (e) {
        return e as WbError;
      }
      throw new Error("no error");
    };
    expect(err({ entry: "main.py" }).format()).toBe("error[E_USAGE]: --entry main.py is not a file of the app (after excludes)\nhint: the path is relative to --app");
    expect(err({ app: null }).message).toBe("--entry run.py names a script but no --app was given");
    expect(err({ name: "a b" }).code).toBe("E_USAGE");
  });

  test("plans exactly the files writeBundle writes, with the same hashes", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"));
    const installerDir = makeInstallerDir(root);
    const appDir = makeApp(root);
    const written = await writeBundle(bundleInput({ packages, installerDir, appDir, format: "dir", outDir: join(root, "out") }));
    const run = await collectRunFiles({ appDir, exclude: [], installerDir });
    const withMeta = await Promise.all(packages.map(async (p) => ({ ...p, metadata: p.metadata ?? (await readParsedWheelMetadata(p.cachePath)), sboms: [] })));
    const a = assembleBundle({ name: "shop", version: "2.3.0", entry: "shop.server:main", target: LINUX, packages: withMeta, app: run.app!.files, installer: run.installer, state: [], signed: false, toolVersion: "0.1.0" });
    const onDisk: Record<string, string> = {};
    const walk = (d: string): void => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else onDisk[relative(written.path, p).split("\\").join("/")] = sha(readFileSync(p));
      }
    };
    walk(written.path);
    expect(Object.fromEntries(a.files.map((f) => [f.path, f.sha256]).sort())).toEqual(Object.fromEntries(Object.entries(onDisk).sort()));
  });
});
