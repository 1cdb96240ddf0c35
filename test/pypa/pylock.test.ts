import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePylock, writePylock, type Pylock } from "../../src/pypa/pylock.js";
import { errorOf } from "../helpers/error-of.js";

const dir = join(import.meta.dirname, "../../fixtures/pylock");
const read = (rel: string) => readFileSync(join(dir, rel), "utf8");

interface OracleWheel {
  name: string;
  url: string | null;
  path: string | null;
  size: number | null;
  hashes: Record<string, string>;
  upload_time: string | null;
}
interface OracleFile {
  ok: boolean;
  error: string | null;
  lock?: { lock_version: string; created_by: string; packages: { name: string; version: string | null; index: string | null; source: string; wheels: OracleWheel[] }[] };
}
const oracle = JSON.parse(read("oracle.json")) as { packaging: string; files: Record<string, OracleFile> };

/** Where wheelbarrow is deliberately stricter than packaging.pylock. */
const STRICTER = new Set(["bad/hash-not-hex.toml"]);


describe("parsePylock agrees with packaging.pylock (fixtures/pylock/oracle.json)", () => {
  const files = Object.entries(oracle.files);
  it("finds at least 20 pylock fixtures to check", () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });
  for (const [rel, expected] of files) {
    it(`${rel}: ${expected.ok ? "accepted" : "rejected"}`, () => {
      const text = read(rel);
      if (!expected.ok || STRICTER.has(rel)) {
        const e = errorOf(() => parsePylock(text, rel));
        expect(e.code).toBe("E_REQUIREMENTS");
        expect(e.message.startsWith(`${rel}`)).toBe(true);
        return;
      }
      const lock = parsePylock(text, rel);
      const want = expected.lock!;
      expect(lock.lockVersion).toBe(want.lock_version);
      expect(lock.createdBy).toBe(want.created_by);
      expect(lock.packages.map((p) => p.name)).toEqual(want.packages.map((p) => p.name));
      lock.packages.forEach((p, i) => {
        const w = want.packages[i]!;
        expect(p.version ?? null).toBe(w.version);
        expect(p.index ?? null).toBe(w.index);
        const kind = p.wheels.length || p.sdist ? "wheels" : p.vcs ? "vcs" : p.directory ? "directory" : "archive";
        expect(kind).toBe(w.source);
        expect(p.wheels.map((x) => ({ name: x.name, url: x.url ?? null, path: x.path ?? null, size: x.size ?? null, hashes: x.hashes }))).toEqual(
          w.wheels.map((x) => ({ name: x.name, url: x.url, path: x.path, size: x.size, hashes: x.hashes })),
        );
        p.wheels.forEach((x, j) => {
          const t = w.wheels[j]!.upload_time;
          // JS dates hold milliseconds; packaging keeps microseconds.
          if (t === null) expect(x.uploadTime).toBeUndefined();
          else expect(new Date(x.uploadTime!).getTime()).toBe(Math.floor(new Date(t).getTime()));
        });
      });
    });
  }
});

describe("parsePylock error messages", () => {
  const cases: [string, string, string?][] = [
    ["bad/lock-version-2.toml", "bad/lock-version-2.toml: lock-version 2.0 is not supported (this wheelbarrow reads 1.x)", "re-create the lock with a tool that writes lock-version 1.x, or upgrade wheelbarrow"],
    ["bad/no-lock-version.toml", "bad/no-lock-version.toml: 'lock-version' is required"],
    ["bad/no-created-by.toml", "bad/no-created-by.toml: 'created-by' is required"],
    ["bad/no-packages.toml", "bad/no-packages.toml: 'packages' is required"],
    ["bad/name-not-normalized.toml", "bad/name-not-normalized.toml: packages[0]: package name 'Attrs_Lib' is not normalised", "PEP 751 names are normalised: write 'attrs-lib'"],
    ["bad/wheels-and-vcs.toml", "bad/wheels-and-vcs.toml: packages[0] (attrs): has wheels/sdist and vcs: a package has exactly one kind of source"],
    ["bad/no-source.toml", "bad/no-source.toml: packages[0] (attrs): has no source: give wheels, an sdist, an archive, a directory or a vcs"],
    ["bad/wheel-no-hashes.toml", "bad/wheel-no-hashes.toml: packages[0] (attrs).wheels[0]: no hashes", 'every file in a lock needs hashes = {sha256 = "<hex>"}'],
    ["bad/wheel-no-location.toml", "bad/wheel-no-location.toml: packages[0] (attrs).wheels[0]: needs a url or a path"],
    ["bad/wheel-other-project.toml", "bad/wheel-other-project.toml: packages[0] (cattrs).wheels[0]: wheel 'attrs-1.0-py3-none-any.whl' does not belong to package 'cattrs'"],
    ["bad/wheel-other-version.toml", "bad/wheel-other-version.toml: packages[0] (attrs).wheels[0]: wheel 'attrs-1.0-py3-none-any.whl' is not version 2.0"],
    ["bad/wheel-not-a-wheel.toml", "bad/wheel-not-a-wheel.toml: packages[0] (attrs).wheels[0]: 'attrs-1.0.tar.gz' is not a wheel file name: extension must be '.whl'"],
    ["bad/archive-no-hashes.toml", "bad/archive-no-hashes.toml: packages[0] (zipped).archive: no hashes"],
    ["bad/hash-not-hex.toml", "bad/hash-not-hex.toml: packages[0] (attrs).wheels[0]: hash 'sha256' is not 64 hex digits: 'not-hex'"],
    ["bad/wheels-not-tables.toml", "bad/wheels-not-tables.toml: packages[0] (attrs): 'wheels' must be an array of tables"],
    ["bad/invalid-toml.toml", "bad/invalid-toml.toml:5:14: invalid TOML: control characters are not allowed in strings"],
  ];
  for (const [rel, message, hint] of cases) {
    it(rel, () => {
      const e = errorOf(() => parsePylock(read(rel), rel));
      expect(e.code).toBe("E_REQUIREMENTS");
      expect(e.message).toBe(message);
      if (hint) expect(e.hints).toEqual([hint]);
      expect(e.details["file"]).toBe(rel);
    });
  }

  it("reports TOML syntax errors with line and column in details", () => {
    const e = errorOf(() => parsePylock('lock-version = "1.0"\ncreated-by = = "x"\n', "x/pylock.toml"));
    expect(e.message).toBe("x/pylock.toml:2:14: invalid TOML: invalid value");
    expect(e.details).toMatchObject({ file: "x/pylock.toml", line: 2, column: 14 });
  });

  it("accepts any 1.x lock-version and rejects 0.x", () => {
    expect(parsePylock('lock-version = "1.3"\ncreated-by = "x"\npackages = []\n', "f").lockVersion).toBe("1.3");
    expect(errorOf(() => parsePylock('lock-version = "0.9"\ncreated-by = "x"\npackages = []\n', "f")).message).toBe("f: lock-version 0.9 is not supported (this wheelbarrow reads 1.x)");
  });
});

describe("parsePylock details", () => {
  it("reads a pip lock: one wheel per package, file URLs, sha256", () => {
    const lock = parsePylock(read("pip-lock/pylock.toml"), "pylock.toml");
    expect(lock.createdBy).toBe("pip");
    const requests = lock.packages.find((p) => p.name === "requests")!;
    expect(requests.wheels).toHaveLength(1);
    expect(requests.wheels[0]!.url).toMatch(/^file:\/\/\/.*\/requests-[^/]+-py3-none-any\.whl$/);
    expect(requests.wheels[0]!.hashes["sha256"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keeps a direct wheel that pip lock records as an archive", () => {
    const lock = parsePylock(read("pip-lock/pylock.direct-archive.toml"), "pylock.toml");
    expect(lock.packages[0]).toMatchObject({ name: "idna", wheels: [], archive: { url: "file:///tmp/wb-lock/wheels/idna-3.20-py3-none-any.whl" } });
    expect(lock.packages[0]!.version).toBeUndefined();
  });

  it("derives a wheel's name from its path when the name key is absent", () => {
    const text = 'lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "a"\nversion = "1"\n[[packages.wheels]]\npath = "wheels/a-1-py3-none-any.whl"\nhashes = {sha256 = "' + "0".repeat(64) + '"}\n';
    expect(parsePylock(text, "f").packages[0]!.wheels[0]!.name).toBe("a-1-py3-none-any.whl");
  });

  it("reads upload-time written as a TOML datetime or a string, as UTC milliseconds", () => {
    const lock = parsePylock(read("good/pylock.example.toml"), "f");
    expect(lock.packages[0]!.wheels[0]!.uploadTime).toBe("2025-01-25T11:30:10.164Z");
    expect(lock.environments).toEqual(["sys_platform == 'win32'", "sys_platform == 'linux'"]);
    expect(lock.requiresPython).toBe("== 3.12.*");
    expect(lock.packages[1]!.dependencies).toEqual([{ name: "attrs" }]);
    expect(lock.packages[0]!.attestationIdentities?.[0]).toMatchObject({ kind: "GitHub" });
  });

  it("keeps [tool] and [packages.tool] tables", () => {
    const lock = parsePylock(read("good/wheelbarrow.toml"), "f");
    expect(lock.tool).toEqual({ wheelbarrow: { targets: ["manylinux_2_17_x86_64@3.11", "win_amd64@3.12"] } });
    expect(lock.packages[0]!.tool).toEqual({ wheelbarrow: { requested: true, targets: ["manylinux_2_17_x86_64@3.11"] } });
  });
});

/** The lock behind fixtures/pylock/written/pylock.toml (which packaging.pylock accepts: oracle.json). */
function sampleLock(): Pylock {
  return JSON.parse(read("written/sample.json")) as Pylock;
}

describe("writePylock", () => {
  it("writes fixtures/pylock/written/pylock.toml byte for byte (a file packaging.pylock accepts)", () => {
    expect(oracle.files["written/pylock.toml"]?.ok).toBe(true);
    expect(writePylock(sampleLock())).toBe(read("written/pylock.toml"));
  });

  it("round-trips: write -> parse gives the same lock (order normalised)", () => {
    const lock = sampleLock();
    const back = parsePylock(writePylock(lock), "pylock.toml");
    const sorted = { ...lock, packages: [lock.packages[2]!, lock.packages[1]!, lock.packages[0]!] };
    sorted.packages[0] = { ...sorted.packages[0]!, wheels: [...sorted.packages[0]!.wheels].reverse() };
    expect(back).toEqual(sorted);
  });

  it("sorts packages by name then PEP 440 version (1.9.0 before 1.10.0) and wheels by file name", () => {
    const text = writePylock(sampleLock());
    const names = [...text.matchAll(/^name = "([^"]+)"$/gm)].map((m) => m[1]);
    expect(names).toEqual([
      "fastsum",
      "fastsum-0.3.0-cp311-cp311-manylinux_2_17_x86_64.whl",
      "fastsum-0.3.0-cp312-cp312-win_amd64.whl",
      "tinyweb",
      "tinyweb-1.9.0-py3-none-any.whl",
      "tinyweb",
      "tinyweb-1.10.0-py3-none-any.whl",
    ]);
  });

  it("is deterministic: input order does not change the bytes", () => {
    const a = sampleLock();
    const b = sampleLock();
    b.packages.reverse();
    b.packages.find((p) => p.version === "1.10.0")!.tool = { wheelbarrow: { requested: true, targets: ["win_amd64@3.12"] } };
    expect(writePylock(b)).toBe(writePylock(a));
    expect(writePylock(parsePylock(writePylock(a), "f"))).toBe(writePylock(a));
  });

  it("writes the spec's key names, upload-time as a TOML datetime, hashes sorted", () => {
    const text = writePylock(sampleLock());
    expect(text.startsWith('lock-version = "1.0"\nenvironments = [ "sys_platform == \\"linux\\" or sys_platform == \\"win32\\"" ]\nrequires-python = ">=3.9"\ncreated-by = "wheelbarrow 0.1.0"\n\n[[packages]]\n')).toBe(true);
    expect(text).toContain("upload-time = 2024-01-02T03:04:05.678Z\n");
    expect(text).toContain('requires-python = ">=3.8"\n');
    expect(text).toMatch(/\[packages\.wheels\.hashes\]\nsha256 = "c{64}"\nsha512 = "c{128}"/);
    expect(text).toContain('[packages.tool.wheelbarrow]\nrequested = true\ntargets = [ "win_amd64@3.12" ]\n');
  });

  it("round-trips every good fixture and the pip locks", () => {
    for (const rel of ["good/pylock.example.toml", "good/all-sources.toml", "good/wheelbarrow.toml", "pip-lock/pylock.toml", "pip-lock/pylock.direct-archive.toml"]) {
      const once = parsePylock(read(rel), rel);
      const text = writePylock(once);
      const twice = parsePylock(text, rel);
      expect(writePylock(twice)).toBe(text);
      expect(twice.packages.map((p) => `${p.name} ${p.version}`)).toEqual(once.packages.map((p) => `${p.name} ${p.version}`).sort());
    }
  });
});
