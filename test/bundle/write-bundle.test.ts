import { parseMetadata } from "../../src/pypa/metadata.js";
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync, lstatSync } from "node:fs";
import { join, relative } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, describe, expect, test, vi } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import { Ajv } from "ajv";
import { type BundleFormat } from "../../src/bundle/write-bundle.js";
import { openBundle } from "../../src/bundle/read-bundle.js";
import { WbError } from "../../src/errors.js";
import { buildWheel } from "../helpers/wheel-builder.js";
import { APP_EXCLUDES, APP_SHIPPED, TARGETS, bundleInput, makeApp, makeInstallerDir, makePackages, removeTempDirs, tempDir } from "./helpers.js";
import { verifyBundle, writeBundle } from "../helpers/bundle-api.js";

const FORMATS: BundleFormat[] = ["tar.gz", "zip", "dir"];

/** path -> "mode:sha" for every entry of a directory tree (for comparing `dir` bundles). */
function treeSnapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const rel = relative(root, p);
      if (st.isDirectory()) {
        out[rel + "/"] = `${(st.mode & 0o777).toString(8)} ${st.mtimeMs}`;
        walk(p);
      } else out[rel] = `${(st.mode & 0o777).toString(8)} ${st.mtimeMs} ${readFileSync(p).toString("base64")}`;
    }
  };
  walk(root);
  return out;
}

afterEach(() => {
  vi.useRealTimers();
});
afterAll(removeTempDirs);

describe("determinism", () => {
  for (const [tname, target] of Object.entries(TARGETS)) {
    test(`${tname}: the same inputs give byte-identical tar.gz, zip and dir bundles`, async () => {
      const root = tempDir();
      const packages = await makePackages(join(root, "cache"));
      const installerDir = makeInstallerDir(root);
      const app1 = makeApp(join(root, "one"));
      // A second copy of the app with other file times: times must not leak into the bundle.
      const app2 = join(root, "two-app");
      cpSync(app1, app2, { recursive: true });
      for (const f of ["run.py", "shop/server.py", "bin/start"]) utimesSync(join(app2, f), 1_700_000_000, 1_700_000_000);

      for (const format of FORMATS) {
        vi.useFakeTimers({ toFake: ["Date"] });
        vi.setSystemTime(new Date("2021-03-04T05:06:07Z"));
        const a = await writeBundle(bundleInput({ packages, installerDir, appDir: app1, exclude: APP_EXCLUDES, format, target, outDir: join(root, "out-a") }));
        vi.setSystemTime(new Date("2031-12-24T23:59:59Z"));
        const b = await writeBundle(bundleInput({ packages, installerDir, appDir: app2, exclude: APP_EXCLUDES, format, target, outDir: join(root, "out-b") }));
        vi.useRealTimers();

        expect(a.stem).toBe(`shop-2.3.0-${target.platform}-${target.pythonTag}`);
        expect(relative(root, a.path)).toBe(join("out-a", a.stem + (format === "dir" ? "" : `.${format}`)));
        if (format === "dir") {
          expect(treeSnapshot(a.path)).toEqual(treeSnapshot(b.path));
          expect(a.sha256).toBeNull();
        } else {
          const bytesA = readFileSync(a.path);
          expect(bytesA.equals(readFileSync(b.path))).toBe(true);
          expect(a.sha256).toBe(b.sha256);
          expect(a.size).toBe(bytesA.length);
        }
        await expect(verifyBundle(a.path)).resolves.toMatchObject({ target: target.spec, packages: 3 });
      }
    });
  }

  test("a zip is the same in every time zone (DOS times are taken from UTC)", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"));
    const installerDir = makeInstallerDir(root);
    const saved = process.env.TZ;
    try {
      process.env.TZ = "UTC";
      const a = await writeBundle(bundleInput({ packages, installerDir, format: "zip", outDir: join(root, "a"), sourceDateEpoch: 1_600_000_000 }));
      process.env.TZ = "America/Los_Angeles";
      const b = await writeBundle(bundleInput({ packages, installerDir, format: "zip", outDir: join(root, "b"), sourceDateEpoch: 1_600_000_000 }));
      expect(readFileSync(a.path).equals(readFileSync(b.path))).toBe(true);
    } finally {
      process.env.TZ = saved;
      if (saved === undefined) delete process.env.TZ;
    }
    const listing = execFileSync("python3", ["-c", "import sys,zipfile; print(zipfile.ZipFile(sys.argv[1]).infolist()[0].date_time)", join(root, "a", "shop-2.3.0-manylinux_2_28_x86_64-cp311.zip")]).toString();
    expect(listing.trim()).toBe("(2020, 9, 13, 12, 26, 40)");
  });
});

describe("layout", () => {
  test("tar.gz: sorted entries, fixed modes/owners/times, no gzip name or time, readable by tar and python", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"));
    const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir: makeApp(root), exclude: APP_EXCLUDES, outDir: join(root, "out"), sourceDateEpoch: 1_700_000_000 }));
    const gz = readFileSync(r.path);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    const names = execFileSync("tar", ["-tzf", r.path]).toString().trim().split("\n");
    const s = r.stem;
    expect(names).toEqual([
      `${s}/README.txt`,
      `${s}/SHA256SUMS`,
      `${s}/app/`,
      ...["README.md", "bin/", "bin/start", "data/", "data/seed.json", "run.py", "shop/", "shop/__init__.py", "shop/server.py"].map((x) => `${s}/app/${x}`),
      `${s}/install.ps1`,
      `${s}/install.py`,
      `${s}/install.sh`,
      `${s}/manifest.json`,
      `${s}/probe.sh`,
      `${s}/pylock.toml`,
      `${s}/requirements.txt`,
      `${s}/sbom.cdx.json`,
      `${s}/wheels/`,
      ...packages.map((p) => `${s}/wheels/${p.filename}`).sort(),
    ]);
    const py = `
import sys, tarfile, json
t = tarfile.open(sys.argv[1])
print(json.dumps([[m.name, oct(m.mode), m.uid, m.gid, m.uname, m.gname, m.mtime, m.type.decode(), sorted(m.pax_headers)] for m in t.getmembers()]))
`;
    const members = JSON.parse(execFileSync("python3", ["-c", py, r.path]).toString()) as [string, string, number, number, string, string, number, string, string[]][];
    for (const [name, mode, uid, gid, uname, gname, mtime, type, pax] of members) {
      const executable = /\/(install\.py|install\.sh|probe\.sh|app\/bin\/start)$/.test(name);
      expect([name, mode]).toEqual([name, type === "5" || executable ? "0o755" : "0o644"]);
      expect([uid, gid, uname, gname, mtime, pax]).toEqual([0, 0, "", "", 1_700_000_000, []]);
    }
  });

  test("long and non-ASCII paths: a pax record carrying only the path; tar, python and verify agree", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"));
    const app = join(root, "app");
    const deep = ["a".repeat(60), "b".repeat(60), "c".repeat(60), "d".repeat(60), "file.txt"].join("/");
    for (const rel of [deep, "café/ünïcode.txt"]) {
      execFileSync("mkdir", ["-p", join(app, rel, "..")]);
      writeFileSync(join(app, rel), rel);
    }
    for (const format of ["tar.gz", "zip"] as const) {
      const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir: app, format, outDir: join(root, "out") }));
      await expect(verifyBundle(r.path)).resolves.toMatchObject({ files: 15 });
      const py =
        format === "tar.gz"
          ? "import sys,tarfile,json; t=tarfile.open(sys.argv[1]); print(json.dumps({m.name: [sorted(m.pax_headers), t.extractfile(m).read().decode()] for m in t.getmembers() if m.isfile() and '/app/' in m.name}))"
          : "import sys,zipfile,json; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({i.filename: [[], z.read(i).decode()] for i in z.infolist() if '/app/' in i.filename and not i.is_dir()}))";
      const got = JSON.parse(execFileSync("python3", ["-c", py, r.path]).toString()) as Record<string, [string[], string]>;
      expect(got).toEqual({
        [`${r.stem}/app/${deep}`]: [format === "tar.gz" ? ["path"] : [], deep],
        [`${r.stem}/app/café/ünïcode.txt`]: [format === "tar.gz" ? ["path"] : [], "café/ünïcode.txt"],
      });
    }
  });

  test("the app ships without built-in junk and --exclude matches; executables keep +x; entry scripts are checked", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"));
    const appDir = makeApp(root);
    const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir, exclude: APP_EXCLUDES, format: "dir", outDir: join(root, "out"), entry: "run.py" }));
    const m = JSON.parse(readFileSync(join(r.path, "manifest.json"), "utf8")) as { app: { entry: string }; files: { path: string; executable?: boolean }[] };
    expect(m.app.entry).toBe("run.py");
    expect(m.files.filter((f) => f.path.startsWith("app/")).map((f) => f.path.slice(4))).toEqual(APP_SHIPPED);
    expect(m.files.filter((f) => f.executable).map((f) => f.path)).toEqual(["app/bin/start", "install.py", "install.sh", "probe.sh"]);
    expect(statSync(join(r.path, "app/bin/start")).mode & 0o777).toBe(0o755);
    expect(statSync(join(r.path, "app/run.py")).mode & 0o777).toBe(0o644);

    const err = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir, exclude: ["run.py"], outDir: join(root, "out2"), entry: "run.py" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WbError);
    expect((err as WbError).format()).toBe("error[E_USAGE]: --entry run.py is not a file of the app (after excludes)\nhint: the path is relative to --app");
    const bad = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), outDir: join(root, "out3"), entry: "shop server" })).catch((e: unknown) => e);
    expect((bad as WbError).message).toBe("--entry 'shop server' is neither module:function nor path/to/script.py");
    expect(existsSync(join(root, "out2"))).toBe(false);
  });

  test("the manifest validates against manifests/manifest.schema.json for every target", async () => {
    const schema = JSON.parse(readFileSync(new URL("../../manifests/manifest.schema.json", import.meta.url), "utf8")) as object;
    const ajv = new Ajv2020({ allErrors: true });
    const validate = ajv.compile(schema);
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"));
    for (const target of Object.values(TARGETS)) {
      const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir: makeApp(root), target, format: "dir", outDir: join(root, target.os) }));
      const manifest = JSON.parse(readFileSync(join(r.path, "manifest.json"), "utf8")) as Record<string, unknown>;
      expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
      expect(Object.keys(manifest)).toEqual(["formatVersion", "createdBy", "app", "target", "packages", "files"]);
      // A broken manifest does not validate (the schema is not vacuous).
      expect(validate({ ...manifest, formatVersion: "2.0.0" })).toBe(false);
      expect(validate({ ...manifest, files: [{ path: "../etc/passwd", sha256: "0".repeat(64), size: 1 }] })).toBe(false);
    }
  });

  test("SHA256SUMS lists every other file and passes `sha256sum -c`", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"));
    const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir: makeApp(root), exclude: APP_EXCLUDES, format: "dir", outDir: join(root, "out") }));
    const out = execFileSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: r.path }).toString();
    const checked = out.trim().split("\n").map((l) => l.replace(/: OK$/, ""));
    const b = await openBundle(r.path);
    expect(checked).toEqual([...b.files.keys()].filter((p) => p !== "SHA256SUMS").sort());
    expect(checked).toContain("manifest.json");
  });

  test("interop: packaging.pylock reads pylock.toml; pip resolves requirements.txt offline against wheels/", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"));
    const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), format: "dir", outDir: join(root, "out") }));
    const lock = execFileSync("python3", ["-c", "import tomllib, json; from packaging.pylock import Pylock; p = Pylock.from_dict(tomllib.load(open('pylock.toml', 'rb'))); print(json.dumps([[x.name, str(x.version), x.wheels[0].path, x.wheels[0].hashes['sha256']] for x in p.packages]))"], { cwd: r.path });
    expect(JSON.parse(lock.toString())).toEqual(packages.map((p) => [p.name, p.version, `wheels/${p.filename}`, p.sha256]).sort());
    const report = execFileSync(
      "python3",
      ["-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-index", "--find-links", "wheels", "--require-hashes", "-r", "requirements.txt", "--quiet", "--report", "-"],
      { cwd: r.path, env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" } },
    );
    const installed = (JSON.parse(report.toString()) as { install: { metadata: { name: string } }[] }).install.map((i) => i.metadata.name).sort();
    expect(installed).toEqual(["helper", "markupsafe_lite", "tinyweb"]);
  });

  test("credentials in index URLs never reach a file of the bundle", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"), undefined, "https://alice:s3cr3t@artifacts.example.com/api/pypi/simple");
    const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), format: "dir", outDir: join(root, "out") }));
    const b = await openBundle(r.path);
    for (const [path, text] of b.texts) {
      expect(text.toString(), path).not.toContain("s3cr3t");
      expect(text.toString(), path).not.toContain("alice");
    }
    const m = JSON.parse(readFileSync(join(r.path, "manifest.json"), "utf8")) as { packages: { index: string }[] };
    expect(m.packages[0]?.index).toBe("https://artifacts.example.com/api/pypi/simple");
  });
});

describe("tar.gz speed: wheels are stored, not recompressed", () => {
  test("a 5 MB random wheel gives a .tar.gz about the wheel's size, read back byte for byte by tar and python", async () => {
    const root = tempDir();
    const big = await buildWheel({ name: "bigblob", version: "1.0", files: { "bigblob/__init__.py": "", "bigblob/blob.bin": randomBytes(5 * 1024 * 1024) } }, join(root, "cache"));
    // The wheel builder deflates its members; random data stays ~5 MB either way.
    const packages = [
      { name: "bigblob", version: "1.0", filename: big.filename, sha256: big.sha256, size: big.size, requested: true, index: "https://pypi.org/simple", cachePath: big.path, metadata: parseMetadata(big.metadata) },
    ];
    const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), outDir: join(root, "out") }));
    const overhead = r.size - big.size;
    // Stored deflate blocks cost 5 bytes per 64 KiB (~400 B for 5 MB); text and headers compress.
    expect(overhead).toBeGreaterThan(0);
    expect(overhead).toBeLessThan(12_000);
    expect(overhead / big.size).toBeLessThan(0.003);

    execFileSync("tar", ["-xzf", r.path, "-C", root]);
    expect(readFileSync(join(root, r.stem, "wheels", big.filename)).equals(readFileSync(big.path))).toBe(true);
    const py = "import sys,tarfile,hashlib; t=tarfile.open(sys.argv[1]); print(hashlib.sha256(t.extractfile(sys.argv[2]).read()).hexdigest())";
    expect(execFileSync("python3", ["-c", py, r.path, `${r.stem}/wheels/${big.filename}`]).toString().trim()).toBe(big.sha256);
    expect(execFileSync("gzip", ["-t", r.path]).toString()).toBe("");
  });

  test("wheel bytes are stored verbatim even when they would compress; text around them is compressed", async () => {
    const root = tempDir();
    // A real wheel whose 1 MB member (one repeated line, which deflate would shrink ~1000x) is stored.
    const body = Buffer.from("compressible line of text\n".repeat(40_000));
    const w = await buildWheel({ name: "squeezy", version: "1.0", files: { "squeezy/big.txt": body }, compress: false }, root);
    const packages = [{ name: "squeezy", version: "1.0", filename: w.filename, sha256: w.sha256, size: w.size, requested: true, index: "https://pypi.org/simple", cachePath: w.path, metadata: parseMetadata(w.metadata) }];
    const app = join(root, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "big.txt"), body);
    const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir: app, outDir: join(root, "out") }));
    // The wheel is stored (>= its size); the same bytes as an app text file cost almost nothing.
    expect(r.size).toBeGreaterThan(body.length);
    expect(r.size).toBeLessThan(body.length + 30_000);
    const gz = readFileSync(r.path);
    expect(gz.includes(body.subarray(500_000, 530_000))).toBe(true);
    execFileSync("tar", ["-xzf", r.path, "-C", root]);
    expect(readFileSync(join(root, r.stem, "wheels", "squeezy-1.0-py3-none-any.whl")).equals(readFileSync(w.path))).toBe(true);
    expect(readFileSync(join(root, r.stem, "app", "big.txt")).equals(body)).toBe(true);
  });
});

describe("atomic output", () => {
  for (const format of FORMATS) {
    test(`${format}: a wheel missing from the cache (3rd of 3) leaves the output directory empty`, async () => {
      const root = tempDir();
      const packages = await makePackages(join(root, "cache"));
      const third = packages[2]!;
      const out = join(root, "out");
      execFileSync("mkdir", ["-p", out]);
      const err = await writeBundle(bundleInput({ packages: [packages[0]!, packages[1]!, { ...third, cachePath: join(root, "nope.whl") }], installerDir: makeInstallerDir(root), format, outDir: out })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WbError);
      expect((err as WbError).code).toBe("E_INTEGRITY");
      expect((err as WbError).message).toBe(`${third.filename} is missing from the cache (${join(root, "nope.whl")}: ENOENT)`);
      expect(readdirSync(out)).toEqual([]);
    });

    test(`${format}: a cached wheel whose bytes changed fails mid-write with E_INTEGRITY and leaves nothing`, async () => {
      const root = tempDir();
      const packages = await makePackages(join(root, "cache"));
      const victim = packages[1]!;
      const bytes = readFileSync(victim.cachePath);
      const mid = bytes.length >> 1;
      bytes[mid] = (bytes[mid] as number) ^ 0xff;
      writeFileSync(victim.cachePath, bytes);
      const out = join(root, "out");
      const err = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir: makeApp(root), format, outDir: out })).catch((e: unknown) => e);
      expect((err as WbError).code).toBe("E_INTEGRITY");
      expect((err as WbError).message).toMatch(new RegExp(`^${victim.cachePath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} changed while it was being bundled: expected sha256 ${victim.sha256} \\(${victim.size} bytes\\), found [0-9a-f]{64} \\(${victim.size} bytes\\)$`));
      expect((err as WbError).hints.join("\n")).toContain("bundle again with --verify-cache");
      // out/ did not exist before: it is removed again.
      expect(existsSync(out)).toBe(false);
    });
  }

  test("rewriting a dir bundle replaces the old tree", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"));
    const out = join(root, "out");
    const first = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), format: "dir", outDir: out }));
    writeFileSync(join(first.path, "stray.txt"), "left over");
    const again = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), format: "dir", outDir: out }));
    expect(again.path).toBe(first.path);
    expect(existsSync(join(again.path, "stray.txt"))).toBe(false);
    expect(readdirSync(out)).toEqual([again.stem]);
  });
});

describe("app symlinks", () => {
  test("a symlink pointing outside the app is refused with E_USAGE; excluding it works; one inside is copied", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"));
    const appDir = makeApp(root);
    writeFileSync(join(root, "secret.txt"), "outside");
    symlinkSync(join(root, "secret.txt"), join(appDir, "data", "leak.txt"));
    symlinkSync("../run.py", join(appDir, "shop", "run-link.py"));
    const out = join(root, "out");
    const err = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir, format: "dir", outDir: out })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WbError);
    expect((err as WbError).format()).toBe(
      `error[E_USAGE]: app file data/leak.txt: is a symlink to ${join(root, "secret.txt")}, outside the app directory\nhint: copy the file into the app, or exclude it with --exclude 'data/leak.txt'`,
    );
    expect(existsSync(out)).toBe(false);

    const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir, exclude: ["data/leak.txt"], format: "dir", outDir: out }));
    const link = join(r.path, "app", "shop", "run-link.py");
    expect(lstatSync(link).isFile()).toBe(true);
    expect(readFileSync(link, "utf8")).toBe(readFileSync(join(appDir, "run.py"), "utf8"));
  });

  test("a directory symlink that loops is refused", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"));
    const appDir = makeApp(root);
    symlinkSync("..", join(appDir, "shop", "up"));
    const err = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir, outDir: join(root, "out") })).catch((e: unknown) => e);
    expect((err as WbError).message).toBe("app file shop/up: is a symlink loop (it points to a directory that contains it)");
  });
});

describe("SBOM", () => {
  test("lists every wheel with purl, sha256 and licence, and validates against the CycloneDX 1.6 schema", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "cache"), undefined, "https://artifacts.example.com/simple");
    const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), format: "dir", outDir: join(root, "out") }));
    const sbom = JSON.parse(readFileSync(join(r.path, "sbom.cdx.json"), "utf8")) as {
      specVersion: string;
      metadata: { component: { name: string; version: string } };
      components: { name: string; version: string; purl: string; hashes: { alg: string; content: string }[]; licenses: unknown[] }[];
    };
    expect(sbom.specVersion).toBe("1.6");
    expect(sbom.metadata.component).toMatchObject({ name: "shop", version: "2.3.0" });
    const byName = new Map(sbom.components.map((c) => [c.name, c]));
    expect([...byName.keys()].sort()).toEqual(packages.map((p) => p.name).sort());
    for (const p of packages) {
      const c = byName.get(p.name)!;
      expect(c.version).toBe(p.version);
      expect(c.hashes).toEqual([{ alg: "SHA-256", content: p.sha256 }]);
      expect(c.purl).toBe(`pkg:pypi/${p.name}@${p.version}?file_name=${p.filename}&repository_url=https:%2F%2Fartifacts.example.com%2Fsimple`);
    }
    expect(byName.get("tinyweb")!.licenses).toEqual([{ license: { id: "MIT" } }]);
    expect(byName.get("markupsafe-lite")!.licenses).toEqual([{ expression: "BSD-3-Clause OR Apache-2.0" }]);
    expect(byName.get("helper")!.licenses).toEqual([{ license: { id: "MIT" } }]);

    // The library's own validator needs ajv-formats (not installed): validate with its schemas directly.
    const dir = new URL("../../node_modules/@cyclonedx/cyclonedx-library/res/schema/", import.meta.url);
    const load = (f: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(f, dir), "utf8")) as Record<string, unknown>;
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    for (const f of ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]) ajv.addSchema({ ...load(f), $id: `http://cyclonedx.org/schema/${f}` });
    const validate = ajv.compile(load("bom-1.6.SNAPSHOT.schema.json"));
    expect(validate(sbom), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...sbom, components: [{ name: "x" }] })).toBe(false);
  });

  test("reads the licence from the wheel when METADATA text is not given", async () => {
    const root = tempDir();
    const packages = (await makePackages(join(root, "cache"))).map((p) => ({ ...p, metadata: undefined }));
    const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), format: "dir", outDir: join(root, "out") }));
    const sbom = JSON.parse(readFileSync(join(r.path, "sbom.cdx.json"), "utf8")) as { components: { name: string; licenses: unknown[] }[] };
    expect(sbom.components.find((c) => c.name === "markupsafe-lite")!.licenses).toEqual([{ expression: "BSD-3-Clause OR Apache-2.0" }]);
  });
});

describe("operator pieces: README.txt, state, modes, secrets", () => {
  test("README.txt says how to check, install, upgrade and roll back; app.state and stricter modes reach the manifest; secrets are withheld with a warning", async () => {
    const root = tempDir();
    const packages = await makePackages(join(root, "wheels"));
    const app = makeApp(root);
    writeFileSync(join(app, ".env"), "SECRET=1\n");
    writeFileSync(join(app, "settings_local.py"), "S = 1\n", { mode: 0o600 });
    chmodSync(join(app, "settings_local.py"), 0o600);
    const warnings: string[] = [];
    const r = await writeBundle(
      bundleInput({ packages, installerDir: makeInstallerDir(root), appDir: app, exclude: APP_EXCLUDES, outDir: join(root, "out"), format: "dir", state: ["media/", "db.sqlite3"], onWarning: (m) => warnings.push(m) }),
    );
    expect(warnings).toEqual(["left out of app/ because such files usually hold secrets: .env (ship one on purpose with --include PATTERN)"]);
    expect(existsSync(join(r.path, "app", ".env"))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(r.path, "manifest.json"), "utf8"));
    expect(manifest.app.state).toEqual(["media/", "db.sqlite3"]);
    expect(manifest.files.find((f: { path: string }) => f.path === "app/settings_local.py")).toMatchObject({ mode: 0o600 });
    expect(statSync(join(r.path, "app", "settings_local.py")).mode & 0o777).toBe(0o600);
    const readme = readFileSync(join(r.path, "README.txt"), "utf8");
    for (const line of ["sha256sum -c SHA256SUMS", "./install.sh /srv/shop", "install.py rollback /srv/shop", "app/media/  ->  shared/media/", "shared/.env"]) expect(readme).toContain(line);
    expect(readme).toMatch(/^[\x20-\x7e\n]*$/); // plain ASCII
    expect(Math.max(...readme.split("\n").map((l) => l.length))).toBeLessThanOrEqual(80);
    await expect(verifyBundle(r.path)).resolves.toMatchObject({ format: "dir" });
  });
});
