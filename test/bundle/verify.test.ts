import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type BundleResult } from "../../src/bundle/write-bundle.js";
import { openBundle } from "../../src/bundle/read-bundle.js";
import { formatSha256Sums } from "../../src/bundle/sha256sums.js";
import { WbError } from "../../src/errors.js";
import type { BundlePackage } from "../../src/bundle/write-bundle.js";
import { APP_EXCLUDES, bundleInput, makeApp, makeInstallerDir, makePackages, removeTempDirs, tempDir } from "./helpers.js";
import { verifyBundle, writeBundle } from "../helpers/bundle-api.js";

let root: string;
let packages: BundlePackage[];
let dirBundle: BundleResult;
let tgz: BundleResult;
let zip: BundleResult;

beforeAll(async () => {
  root = tempDir("wb-verify-");
  packages = await makePackages(join(root, "cache"));
  const common = { packages, installerDir: makeInstallerDir(root), appDir: makeApp(root), exclude: APP_EXCLUDES, outDir: join(root, "out") };
  dirBundle = await writeBundle(bundleInput({ ...common, format: "dir" }));
  tgz = await writeBundle(bundleInput({ ...common, format: "tar.gz" }));
  zip = await writeBundle(bundleInput({ ...common, format: "zip" }));
});
afterAll(removeTempDirs);

let n = 0;
/** A private copy of the dir bundle to damage. */
function copyDir(): string {
  const d = join(root, `copy-${n++}`, dirBundle.stem);
  cpSync(dirBundle.path, d, { recursive: true });
  return d;
}

function flipByte(path: string, at?: number): void {
  const b = readFileSync(path);
  const i = at ?? b.length >> 1;
  b[i] = (b[i] as number) ^ 0x01;
  writeFileSync(path, b);
}

async function problemsOf(path: string): Promise<WbError> {
  const e = await verifyBundle(path).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(WbError);
  expect((e as WbError).code).toBe("E_BUNDLE");
  return e as WbError;
}

const sha = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

/** Rewrites manifest `files` and SHA256SUMS to match the content: what a careful forger would do. */
function reseal(dir: string, editManifest?: (m: Record<string, unknown>) => void): void {
  const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { files: { path: string; sha256: string; size: number }[]; packages: { path: string }[] } & Record<string, unknown>;
  for (const f of m.files) {
    const data = readFileSync(join(dir, f.path));
    f.sha256 = sha(data);
    f.size = data.length;
  }
  const paths = [...m.files.map((f) => f.path), ...m.packages.map((p) => p.path), "manifest.json"];
  editManifest?.(m);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(m, null, 2) + "\n");
  writeFileSync(join(dir, "SHA256SUMS"), formatSha256Sums(paths.map((p) => ({ path: p, sha256: sha(readFileSync(join(dir, p))) }))));
}

describe("verify: intact bundles", () => {
  test("tar.gz, zip, dir and the directory tar -x leaves all verify", async () => {
    for (const b of [tgz, zip, dirBundle]) {
      await expect(verifyBundle(b.path)).resolves.toEqual({
        bundle: b.path,
        format: b.format,
        stem: b.stem,
        name: "shop",
        version: "2.3.0",
        target: "manylinux_2_28_x86_64@3.11",
        packages: 3,
        files: 19,
      });
    }
    const x = join(root, "extracted");
    mkdirSync(x);
    execFileSync("tar", ["-xzf", tgz.path, "-C", x]);
    await expect(verifyBundle(x)).resolves.toMatchObject({ format: "dir", stem: tgz.stem, files: 19 });
  });
});

describe("verify: one byte changed anywhere is named", () => {
  test("a wheel with one flipped byte is reported as differing from SHA256SUMS and the manifest", async () => {
    const d = copyDir();
    const whl = packages[0]!;
    flipByte(join(d, "wheels", whl.filename));
    const e = await problemsOf(d);
    expect(e.message).toMatch(
      new RegExp(`^${d.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is damaged or altered \\(1 file\\):\n  wheels/${whl.filename}: content differs from SHA256SUMS and manifest.json \\(sha256 expected ${whl.sha256.slice(0, 16)}…, found [0-9a-f]{16}…\\)$`),
    );
    expect(e.hints).toEqual(["do not install it; fetch the bundle again from its source (or rebuild it) and verify that copy"]);
    expect(e.details["problems"]).toEqual([{ file: `wheels/${whl.filename}`, problems: [expect.stringContaining("content differs")] }]);
  });

  test("an app file with one flipped byte is reported as differing from SHA256SUMS and the manifest", async () => {
    const d = copyDir();
    flipByte(join(d, "app", "run.py"), 0);
    const e = await problemsOf(d);
    expect(e.message.split("\n").slice(1)).toEqual([expect.stringMatching(/^ {2}app\/run\.py: content differs from SHA256SUMS and manifest\.json \(sha256 expected [0-9a-f]{16}…, found [0-9a-f]{16}…\)$/)]);
  });

  test("an edited manifest.json is reported as differing from SHA256SUMS", async () => {
    const d = copyDir();
    const p = join(d, "manifest.json");
    writeFileSync(p, readFileSync(p, "utf8").replace('"version": "2.3.0"', '"version": "2.3.1"'));
    const e = await problemsOf(d);
    expect(e.message.split("\n").slice(1)).toEqual([expect.stringMatching(/^ {2}manifest\.json: content differs from SHA256SUMS \(sha256 expected/)]);
  });

  test("an edited SHA256SUMS shows the file it no longer lists as unexpected and the name it invented as missing", async () => {
    const d = copyDir();
    const p = join(d, "SHA256SUMS");
    writeFileSync(p, readFileSync(p, "utf8").replace("app/run.py", "app/run.pz"));
    const e = await problemsOf(d);
    expect(e.message.split("\n").slice(1)).toEqual(["  app/run.py: unexpected file (not listed in SHA256SUMS)", "  app/run.pz: missing (listed in SHA256SUMS)"]);
  });

  test("inside a .tar.gz: the wheel is named, and so is the damaged gzip stream", async () => {
    const whl = packages[1]!;
    const body = readFileSync(whl.cachePath);
    const gz = readFileSync(tgz.path);
    const at = gz.indexOf(body.subarray(100, 400));
    expect(at).toBeGreaterThan(0); // stored verbatim (level 0)
    const copy = join(root, `damaged-${n++}.tar.gz`);
    writeFileSync(copy, gz);
    flipByte(copy, at + 50);
    const e = await problemsOf(copy);
    const lines = e.message.split("\n");
    expect(lines[0]).toBe(`${copy} is damaged or altered (2 files):`);
    expect(lines[1]).toBe("  (archive): the gzip stream is damaged: its CRC-32 or length does not match the content");
    expect(lines[2]).toMatch(new RegExp(`^  wheels/${whl.filename}: content differs from SHA256SUMS and manifest.json`));
  });

  test("inside a .zip: the wheel is named", async () => {
    const whl = packages[2]!;
    const body = readFileSync(whl.cachePath);
    const z = readFileSync(zip.path);
    const at = z.indexOf(body.subarray(100, 400));
    expect(at).toBeGreaterThan(0);
    const copy = join(root, `damaged-${n++}.zip`);
    writeFileSync(copy, z);
    flipByte(copy, at + 50);
    const e = await problemsOf(copy);
    expect(e.message.split("\n").slice(1)).toEqual([expect.stringMatching(new RegExp(`^ {2}wheels/${whl.filename}: its CRC-32 does not match the zip directory; content differs from SHA256SUMS and manifest.json`))]);
  });

  test("any byte of the archive structure: gzip header and trailer, zip headers, central directory and end record", async () => {
    const undetected: string[] = [];
    const scan = async (b: BundleResult, offsets: number[]): Promise<void> => {
      const bytes = readFileSync(b.path);
      const copy = join(root, `scan-${n++}.${b.format}`);
      for (const at of offsets) {
        const c = Buffer.from(bytes);
        c[at] = (c[at] as number) ^ 0x01;
        writeFileSync(copy, c);
        const res = await verifyBundle(copy).then(
          () => "OK",
          (e: unknown) => (e as WbError).code,
        );
        if (res !== "E_BUNDLE") undetected.push(`${b.format}@${at}: ${res}`);
      }
    };
    const range = (from: number, to: number, step = 1): number[] => Array.from({ length: Math.ceil((to - from) / step) }, (_, i) => from + i * step);
    const gzSize = readFileSync(tgz.path).length;
    await scan(tgz, [...range(0, 40), ...range(gzSize - 8, gzSize)]);
    const zipSize = readFileSync(zip.path).length;
    await scan(zip, [...range(0, 120, 2), ...range(zipSize - 400, zipSize, 3), zipSize - 1]);
    expect(undetected).toEqual([]);
  });

  test("a .tar.gz damaged in a compressed stretch is refused", async () => {
    const copy = join(root, `damaged-${n++}.tar.gz`);
    writeFileSync(copy, readFileSync(tgz.path));
    flipByte(copy, 40);
    const e = await problemsOf(copy);
    expect(e.message).toContain("(archive): ");
  });
});

describe("verify: unexpected files and inconsistent records", () => {
  test("extra files, a symlink and a removed file are all named at once, sorted", async () => {
    const d = copyDir();
    writeFileSync(join(d, "app", "extra.py"), "print('hi')\n");
    writeFileSync(join(d, "wheels", "evil-1.0-py3-none-any.whl"), "PK");
    symlinkSync("/etc/passwd", join(d, "app", "passwd"));
    execFileSync("rm", [join(d, "install.ps1")]);
    const e = await problemsOf(d);
    expect(e.message.split("\n")).toEqual([
      `${d} is damaged or altered (4 files):`,
      "  app/extra.py: unexpected file (not listed in SHA256SUMS nor manifest.json)",
      "  app/passwd: unexpected symlink (a bundle holds only files and directories)",
      "  install.ps1: missing (listed in SHA256SUMS and manifest.json)",
      "  wheels/evil-1.0-py3-none-any.whl: unexpected file (not listed in SHA256SUMS nor manifest.json)",
    ]);
  });

  test("an entry outside the archive's top-level directory is named", async () => {
    const base = join(root, `outside-${n++}`);
    mkdirSync(base);
    cpSync(dirBundle.path, join(base, dirBundle.stem), { recursive: true });
    writeFileSync(join(base, "README"), "not in the bundle dir\n");
    const archive = join(root, `outside-${n++}.tar.gz`);
    const gnu = ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@315532800"];
    execFileSync("tar", ["-czf", archive, ...gnu, "-C", base, dirBundle.stem, "README"]);
    const e = await problemsOf(archive);
    expect(e.message.split("\n").slice(1)).toEqual([
      "  (archive): the gzip header is not the one wheelbarrow writes (name, time or OS byte changed)",
      `  README: unexpected entry outside the bundle's top-level directory ${dirBundle.stem}/`,
    ]);
    // The same tree packed with the host's owner names is named entry by entry.
    const owned = join(root, `owned-${n++}.tar.gz`);
    execFileSync("tar", ["-czf", owned, "--sort=name", "--owner=wheel:1000", "--group=0", "--mtime=@315532800", "-C", base, dirBundle.stem]);
    const e2 = await problemsOf(owned);
    expect(e2.message.split("\n")).toContain("  manifest.json: its owner is not uid/gid 0 with empty names");
  });

  test("in an archive, the executable bit must be the manifest's", async () => {
    const base = join(root, `modes-${n++}`);
    mkdirSync(base);
    const d = join(base, dirBundle.stem);
    cpSync(dirBundle.path, d, { recursive: true });
    execFileSync("chmod", ["0644", join(d, "install.sh")]);
    execFileSync("chmod", ["0755", join(d, "wheels", packages[0]!.filename)]);
    const archive = join(root, `modes-${n++}.tar.gz`);
    execFileSync("tar", ["-czf", archive, "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@315532800", "-C", base, dirBundle.stem]);
    const e = await problemsOf(archive);
    expect(e.message.split("\n").slice(2)).toEqual([
      "  install.sh: is not executable, manifest.json says it is",
      `  wheels/${packages[0]!.filename}: is executable, manifest.json says it is not`,
    ]);
  });

  test("pylock.toml and requirements.txt must agree with the manifest even when resealed", async () => {
    const d = copyDir();
    const req = join(d, "requirements.txt");
    writeFileSync(req, readFileSync(req, "utf8").replace("tinyweb==1.0", "tinyweb==9.9"));
    const lock = join(d, "pylock.toml");
    const helper = packages.find((p) => p.name === "helper")!;
    writeFileSync(lock, readFileSync(lock, "utf8").replace(`size = ${helper.size}`, `size = ${helper.size + 1}`));
    reseal(d);
    const e = await problemsOf(d);
    expect(e.message.split("\n").slice(1)).toEqual(["  pylock.toml: helper: size differs from manifest.json", "  requirements.txt: lists tinyweb 9.9, manifest.json has 1.0"]);
  });

  test("a resealed bundle whose SBOM drops a package is named", async () => {
    const d = copyDir();
    const p = join(d, "sbom.cdx.json");
    const sbom = JSON.parse(readFileSync(p, "utf8")) as { components: { name: string }[] };
    sbom.components = sbom.components.filter((c) => c.name !== "helper");
    writeFileSync(p, JSON.stringify(sbom, null, 2) + "\n");
    reseal(d);
    const e = await problemsOf(d);
    expect(e.message.split("\n").slice(1)).toEqual(["  sbom.cdx.json: does not list helper 0.3"]);
  });

  test("a manifest of format 2.x is refused as unsupported, not as damage", async () => {
    const d = copyDir();
    reseal(d, (m) => (m["formatVersion"] = "2.0.0"));
    const e = await problemsOf(d);
    expect(e.format()).toBe(`error[E_BUNDLE]: ${d}: formatVersion 2.0.0 is not supported (this wheelbarrow reads 1.x)\nhint: the bundle was made by a newer wheelbarrow; use that version to read it`);
  });

  test("a later 1.x manifest with unknown keys verifies", async () => {
    const d = copyDir();
    reseal(d, (m) => {
      m["formatVersion"] = "1.4.0";
      m["signatures"] = [];
    });
    await expect(verifyBundle(d)).resolves.toMatchObject({ packages: 3 });
  });

  test("a malformed manifest lists what is wrong", async () => {
    const d = copyDir();
    reseal(d, (m) => {
      const pk = (m["packages"] as Record<string, unknown>[])[0]!;
      pk["sha256"] = "XYZ";
      pk["path"] = "../../etc/passwd";
    });
    const e = await problemsOf(d);
    expect(e.message).toContain("manifest.json: manifest.json is malformed: packages[0].path must be a relative path inside the bundle, got \"../../etc/passwd\"; packages[0].sha256 must be 64 lowercase hex digits; packages[0].path must be wheels/helper-0.3-py3-none-any.whl, got ../../etc/passwd");
  });

  test("a plain file or an empty directory is refused as not a bundle", async () => {
    const f = join(root, "plain.txt");
    writeFileSync(f, "hello");
    await expect(verifyBundle(f)).rejects.toThrow(`${f} is neither a .tar.gz nor a .zip bundle`);
    const emptyDir = join(root, `empty-${n++}`);
    mkdirSync(emptyDir);
    await expect(verifyBundle(emptyDir)).rejects.toThrow(`${emptyDir} is not a bundle: it has no manifest.json`);
    await expect(verifyBundle(join(root, "nope.tar.gz"))).rejects.toThrow(`no such bundle: ${join(root, "nope.tar.gz")}`);
  });

  test("openBundle without hashing still lists files and records", async () => {
    const b = await openBundle(tgz.path, { hash: false });
    expect(b.root).toBe(tgz.stem);
    expect(b.files.get("manifest.json")?.sha256).toBeNull();
    expect([...b.texts.keys()].sort()).toEqual(["SHA256SUMS", "manifest.json", "pylock.toml", "requirements.txt", "sbom.cdx.json"]);
    expect(b.files.get("install.sh")?.executable).toBe(true);
  });
});
