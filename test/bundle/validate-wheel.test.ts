/**
 * The bundler refuses, at build time and with the installer's own reason, every wheel the
 * installer (install.py) would refuse at the site: each corrupt-wheel variant of wheel-builder
 * is checked by validate-wheel.ts and by install.py's WheelSource + RECORD check (run with the
 * machine's python3), and the two must agree. Through writeBundle, a refused wheel is E_BUNDLE
 * naming the wheel, never blamed on alteration after the build, and nothing is left in --out.
 */
import { parseMetadata } from "../../src/pypa/metadata.js";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { WbError } from "../../src/errors.js";
import { parseCsv, unsafeReason, validateWheel } from "../../src/bundle/validate-wheel.js";
import { buildWheel, type WheelSpec } from "../helpers/wheel-builder.js";
import { tempDir } from "../net/net-helpers.js";
import { bundleInput, makeInstallerDir } from "./helpers.js";
import { writeBundle } from "../helpers/bundle-api.js";

const INSTALL_PY = resolve(import.meta.dirname, "..", "..", "src", "installer", "install.py");
const hasPython = spawnSync("python3", ["-c", "import zipfile"]).status === 0;

/** install.py's verdict on a wheel: WheelSource (names, symlinks, dist-info, RECORD) and every copied member's RECORD hash/size. */
const INSTALLER_VERDICT = `
import hashlib, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("install", sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
try:
    src = m.WheelSource(sys.argv[2], sys.argv[3])
    for info, scheme, parts in src.members():
        algo, want, size = src.record[info.filename]
        data = src.zip.read(info)
        if hashlib.new(algo, data).digest() != m._b64(want) or size not in (None, len(data)):
            raise m.VenvDestination._mismatch(src, info)
    print(json.dumps(None))
except m.InstallError as e:
    print(json.dumps({"code": e.code, "message": e.message}))
`;

function installerVerdict(path: string, filename: string): { code: string; message: string } | null {
  return JSON.parse(execFileSync("python3", ["-c", INSTALLER_VERDICT, INSTALL_PY, path, filename], { encoding: "utf8" })) as { code: string; message: string } | null;
}

async function ourVerdict(path: string, filename: string, sha256: string): Promise<{ code: string; message: string } | null> {
  try {
    await validateWheel(path, filename, sha256);
    return null;
  } catch (e) {
    if (!(e instanceof WbError)) throw e;
    return { code: e.code, message: e.message };
  }
}

const base: WheelSpec = { name: "victim", version: "1.0", files: { "victim/__init__.py": "x = 1\n", "victim/core.py": "y = 2\n" } };
const variants: [string, WheelSpec, RegExp | null][] = [
  ["a valid wheel", base, null],
  ["a valid wheel with .data scripts", { ...base, data: { "scripts/tool": "#!python\nprint(1)\n", "data/share/x.txt": "x" } }, null],
  ["RECORD lies about a member's hash", { ...base, corrupt: { recordLiesAbout: "victim/core.py" } }, /: victim\/core\.py does not match the hash or size in the wheel's RECORD$/],
  ["a '..' member", { ...base, corrupt: { extraRawMember: { name: "../evil.py", content: "x" } } }, /holds an unsafe member '\.\.\/evil\.py' \('\.\.' component\)$/],
  ["an absolute member", { ...base, corrupt: { extraRawMember: { name: "/etc/evil", content: "x" } } }, /holds an unsafe member '\/etc\/evil' \(absolute path\)$/],
  ["a drive-letter member", { ...base, corrupt: { extraRawMember: { name: "C:/evil.py", content: "x" } } }, /holds an unsafe member 'C:\/evil\.py' \(absolute path\)$/],
  ["a backslash member", { ...base, corrupt: { extraRawMember: { name: "victim\\..\\..\\evil.py", content: "x" } } }, /holds an unsafe member .* \(backslash\)$/],
  ["a symlink member", { ...base, corrupt: { symlinkMember: "victim/core.py" } }, /holds a symlink member victim\/core\.py$/],
  ["a member missing from RECORD", { ...base, corrupt: { extraRawMember: { name: "victim/extra.py", content: "x" } } }, /: member victim\/extra\.py is not listed in RECORD with a hash$/],
  ["a .data member outside the scheme directories", { ...base, data: { "elsewhere/x": "x" } }, /victim-1\.0\.data\/elsewhere\/x is not in victim-1\.0\.data\/\{purelib,platlib,headers,scripts,data\}\/$/],
];

describe("validateWheel agrees with install.py", () => {
  it.skipIf(!hasPython).each(variants)("%s", async (_label, spec, expected) => {
    const w = await buildWheel(spec, tempDir("wb-vw-"));
    const ours = await ourVerdict(w.path, w.filename, w.sha256);
    const theirs = installerVerdict(w.path, w.filename);
    expect(ours).toEqual(theirs);
    if (expected === null) expect(ours).toBeNull();
    else {
      expect(ours?.code).toBe("E_BUNDLE");
      expect(ours?.message.startsWith(w.filename)).toBe(true);
      expect(ours?.message).toMatch(expected);
    }
  });

  it.skipIf(!hasPython)("a file that is not a zip", async () => {
    const p = join(tempDir("wb-vw-"), "junk-1.0-py3-none-any.whl");
    writeFileSync(p, "not a zip at all");
    const sha = (await import("node:crypto")).createHash("sha256").update("not a zip at all").digest("hex");
    const ours = await ourVerdict(p, "junk-1.0-py3-none-any.whl", sha);
    expect(ours?.code).toBe("E_BUNDLE");
    expect(ours?.message).toMatch(/^junk-1\.0-py3-none-any\.whl is not a readable wheel: /);
    expect(installerVerdict(p, "junk-1.0-py3-none-any.whl")?.message).toMatch(/^junk-1\.0-py3-none-any\.whl is not a readable wheel: /);
  });
});

describe("validate-wheel pieces", () => {
  it.each([
    ["a/b.py", null],
    ["", "empty path"],
    ["a\0b", "NUL byte"],
    ["a\\b", "backslash"],
    ["/x", "absolute path"],
    ["c:x", "absolute path"],
    ["a/../b", "'..' component"],
    ["a//b", "empty or '.' component"],
    ["./a", "empty or '.' component"],
    ["dir/", null],
  ])("unsafeReason(%j) = %j", (name, reason) => expect(unsafeReason(name)).toBe(reason));

  it("reads RECORD as csv does: quoted fields with commas and doubled quotes, blank lines skipped", () => {
    expect(parseCsv('a,sha256=x,1\n\n"b,c",,\r\n"d""e",sha256=y,2')).toEqual([["a", "sha256=x", "1"], ["b,c", "", ""], ['d"e', "sha256=y", "2"]]);
  });
});

describe("writeBundle refuses a wheel the installer would refuse", () => {
  it.each(["tar.gz", "dir"] as const)("%s: E_BUNDLE naming the wheel, no 'altered after it was built', nothing left in --out", async (format) => {
    const root = tempDir("wb-vw-bundle-");
    const w = await buildWheel({ ...base, corrupt: { extraRawMember: { name: "../evil.py", content: "import os\n" } } }, join(root, "cache"));
    const out = join(root, "out");
    const err = await writeBundle(
      bundleInput({
        packages: [{ name: "victim", version: "1.0", filename: w.filename, sha256: w.sha256, size: w.size, requested: true, index: "https://pypi.org/simple", cachePath: w.path, metadata: parseMetadata(w.metadata) }],
        installerDir: makeInstallerDir(root),
        format,
        outDir: out,
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WbError);
    const e = err as WbError;
    expect(e.code).toBe("E_BUNDLE");
    expect(e.message).toBe(`${w.filename} holds an unsafe member '../evil.py' ('..' component)`);
    expect(e.details["file"]).toBe(w.filename);
    expect(e.format()).not.toMatch(/after it was built/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it("a cache file that is not the recorded wheel is still reported by the writer as E_INTEGRITY", async () => {
    const root = tempDir("wb-vw-bundle-");
    const w = await buildWheel(base, join(root, "cache"));
    const bytes = readFileSync(w.path);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
    writeFileSync(w.path, bytes);
    const err = await writeBundle(
      bundleInput({
        packages: [{ name: "victim", version: "1.0", filename: w.filename, sha256: w.sha256, size: w.size, requested: true, index: "https://pypi.org/simple", cachePath: w.path, metadata: parseMetadata(w.metadata) }],
        installerDir: makeInstallerDir(root),
        format: "tar.gz",
        outDir: join(root, "out"),
      }),
    ).catch((e: unknown) => e);
    expect((err as WbError).code).toBe("E_INTEGRITY");
  });
});
