/**
 * probe.sh on this machine, against every pyenv interpreter (`pyenv versions --bare`): each
 * python's marker environment and tag list must be what pypa/packaging gives under that same
 * interpreter (markers.default_environment(), list(tags.sys_tags())). packaging comes from the
 * interpreter itself, else from the copy another pyenv python has (PYTHONPATH to a directory
 * holding only that package), else from pip's vendored copy (its own, or another pyenv python's
 * site-packages). pip's vendored packaging 21.3 (the newest that runs on 3.6 and 3.7) does not yet
 * list `cpXY-none-any`, which current packaging does; that one tag is added back before comparing.
 * Python 2.7 has no packaging with a tags module: its markers are compared, its tags only checked
 * to be there.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const here = import.meta.dirname;
const PROBE = join(here, "..", "..", "src", "installer", "probe.sh");
const REFERENCE = join(here, "packaging_reference.py");
const TOOLS = ["uname", "sed", "tr", "getconf", "ldd", "cut", "cat"];

function pyenv(): { root: string; versions: string[] } | null {
  try {
    const root = execFileSync("pyenv", ["root"], { encoding: "utf8" }).trim();
    const versions = execFileSync("pyenv", ["versions", "--bare"], { encoding: "utf8" }).split("\n").map((v) => v.trim()).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
    return { root, versions };
  } catch {
    return null;
  }
}

const found = pyenv();
const versions = found?.versions ?? [];
const exe = (v: string) => join(found!.root, "versions", v, "bin", "python");
const sitePackages = (v: string) => join(found!.root, "versions", v, "lib", `python${v.split(".").slice(0, 2).join(".")}`, "site-packages");

interface Probe {
  os: string;
  arch: string;
  libc: { family: string; version: string | null } | null;
  pythons: { path: string; executable: string; version: string; markerEnvironment: Record<string, string>; tags: string[] | null; error?: string }[];
  skipped: { path: string; reason: string }[];
}

interface Reference {
  source: string;
  version: string;
  env: Record<string, string>;
  tags: string[] | null;
  how: string;
}

let dir: string;
let tools: string;

/** A bin directory with the tools probe.sh uses and nothing else (no python). */
function toolDir(path: string): string {
  mkdirSync(path, { recursive: true });
  for (const t of TOOLS) {
    symlinkSync(which(t), join(path, t));
  }
  return path;
}

/** A command's absolute path here (the children run with a PATH that lacks it). */
function which(cmd: string): string {
  return execFileSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).trim();
}

function runProbe(args: string[], opts: { shell?: string; path?: string } = {}): { doc: Probe; raw: string } {
  const r = spawnSync(which(opts.shell ?? "dash"), [PROBE, ...args], { encoding: "utf8", env: { PATH: opts.path ?? tools, HOME: dir, LC_ALL: "C" }, timeout: 300_000 });
  expect(r.status, r.stderr).toBe(0);
  return { doc: JSON.parse(r.stdout) as Probe, raw: r.stdout };
}

function reference(v: string, borrowed: string | null): Reference | null {
  const attempts: [string, string | undefined, string][] = [
    ["packaging", undefined, "its own packaging"],
    ...(borrowed ? [["packaging", borrowed, `packaging from ${borrowed}`] as [string, string, string]] : []),
    ["pip", undefined, "its pip's vendored packaging"],
    ...versions.filter((o) => o !== v).map((o) => ["pip", sitePackages(o), `the vendored packaging of pyenv ${o}'s pip`] as [string, string, string]),
  ];
  let markersOnly: Reference | null = null;
  for (const [mode, pythonPath, how] of attempts) {
    const env: Record<string, string> = { PATH: process.env["PATH"] ?? "", HOME: dir };
    if (pythonPath) env["PYTHONPATH"] = pythonPath;
    const r = spawnSync(exe(v), [REFERENCE, mode], { encoding: "utf8", env, timeout: 120_000 });
    if (r.status !== 0) continue;
    const ref = { ...(JSON.parse(r.stdout) as Omit<Reference, "how">), how };
    if (ref.tags) return ref;
    markersOnly ??= ref;
  }
  return markersOnly;
}

/** packaging 21.3 lists no `cpXY-none-any`; current packaging puts it right before the first `py*-none-any`. */
function withInterpreterAny(ref: Reference, v: string): string[] {
  const tags = [...ref.tags!];
  const own = `cp${v.split(".").slice(0, 2).join("")}-none-any`;
  if (tags.includes(own)) return tags;
  const at = tags.findIndex((t) => /^py\d*-none-any$/.test(t));
  tags.splice(at, 0, own);
  return tags;
}

let all: Probe;
const refs = new Map<string, Reference | null>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wb-probe-"));
  tools = toolDir(join(dir, "tools"));
  if (!found) return;
  all = runProbe(versions.map(exe)).doc;
  // a packaging that imports: the first pyenv python's own, shared through a directory holding only it
  let borrowed: string | null = null;
  for (const v of versions) {
    const r = spawnSync(exe(v), ["-c", "import os, packaging.tags; print(os.path.dirname(packaging.__file__))"], { encoding: "utf8" });
    if (r.status === 0) {
      borrowed = join(dir, "borrowed");
      mkdirSync(borrowed);
      symlinkSync(r.stdout.trim(), join(borrowed, "packaging"));
      break;
    }
  }
  for (const v of versions) refs.set(v, reference(v, borrowed));
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!found)(`probe.sh against every pyenv python${found ? "" : " (skipped: no pyenv)"}`, () => {
  it("lists each of them once, in the order given, with its version; none fails", () => {
    expect(all.pythons.map((p) => p.version)).toEqual(versions);
    expect(all.pythons.map((p) => p.executable)).toEqual(versions.map((v) => realpathSync(exe(v))));
    expect(all.pythons.filter((p) => p.error)).toEqual([]);
    expect(all.skipped).toEqual([]);
  });

  for (const v of versions) {
    it(`${v}: the marker environment is packaging's default_environment() there`, (ctx) => {
      const ref = refs.get(v);
      if (!ref) ctx.skip();
      const got = all.pythons.find((p) => p.version === v)!;
      expect(got.markerEnvironment).toEqual(ref!.env);
    });

    it(`${v}: the tags are packaging's sys_tags() there, in order`, (ctx) => {
      const ref = refs.get(v);
      const got = all.pythons.find((p) => p.version === v)!;
      expect(got.tags?.length).toBeGreaterThan(100);
      if (!ref?.tags) ctx.skip(); // Python 2.7: no packaging with a tags module runs there
      expect(got.tags).toEqual(ref!.version.startsWith("21.") ? withInterpreterAny(ref!, v) : ref!.tags);
    });
  }

  it("where the interpreter's own packaging is current, no tag is added back (3.8+ compare with packaging as it is)", () => {
    const current = versions.filter((v) => refs.get(v)?.source === "packaging");
    expect(current.length).toBeGreaterThan(0);
    for (const v of current) expect(all.pythons.find((p) => p.version === v)!.tags).toEqual(refs.get(v)!.tags);
  });
});

describe("probe.sh without any python, under each POSIX shell here", () => {
  const shells = ["dash", "sh", "busybox", "bash"].filter((s) => spawnSync("sh", ["-c", `command -v ${s}`]).status === 0);

  it("pythons is empty; the OS, arch and glibc are this machine's", () => {
    const { doc } = runProbe([]);
    expect(doc.pythons).toEqual([]);
    expect(doc.os).toBe(execFileSync("uname", ["-s"], { encoding: "utf8" }).trim());
    expect(doc.arch).toBe(execFileSync("uname", ["-m"], { encoding: "utf8" }).trim());
    const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
    if (glibc) expect(doc.libc).toEqual({ family: "glibc", version: glibc });
  });

  for (const shell of shells) {
    it(`${shell} prints the same document as dash`, () => {
      const args = shell === "busybox" ? ["sh"] : [];
      const r = spawnSync(which(shell), [...args, PROBE], { encoding: "utf8", env: { PATH: tools, HOME: dir } });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(runProbe([]).doc);
    });
  }
});

describe.skipIf(!found || versions.length < 2)("probe.sh: finding pythons", () => {
  it("searches PATH for python3, python, python3.6 … python3.15 and counts each real interpreter once", () => {
    const [a, b] = [versions.at(-1)!, versions.at(-2)!];
    const bin = toolDir(join(dir, "path-bin"));
    const minor = (v: string) => v.split(".").slice(0, 2).join(".");
    symlinkSync(exe(a), join(bin, "python3"));
    symlinkSync(exe(b), join(bin, "python"));
    symlinkSync(exe(a), join(bin, `python${minor(a)}`));
    symlinkSync(exe(b), join(bin, `python${minor(b)}`));
    const { doc } = runProbe([], { path: bin });
    expect(doc.pythons.map((p) => [p.path, p.version])).toEqual([
      [join(bin, "python3"), a],
      [join(bin, "python"), b],
    ]);
  });

  it("lists what it could not run under skipped, with the reason, and escapes every string for JSON", () => {
    const odd = join(dir, 'we"ird\\dir\tx');
    mkdirSync(odd, { recursive: true });
    symlinkSync(exe(versions.at(-1)!), join(odd, "python"));
    const broken = join(dir, "broken-python");
    writeFileSync(broken, "#!/bin/sh\necho 'cannot start: no libpython' >&2\nexit 3\n");
    chmodSync(broken, 0o755);
    const notExec = join(dir, "plain-file");
    writeFileSync(notExec, "");
    const { doc, raw } = runProbe([join(odd, "python"), broken, notExec, join(dir, "missing")]);
    expect(doc.pythons.map((p) => p.path)).toEqual([join(odd, "python")]);
    expect(doc.skipped).toEqual([
      { path: broken, reason: "exit status 3: cannot start: no libpython" },
      { path: notExec, reason: "not an executable file" },
      { path: join(dir, "missing"), reason: "not an executable file" },
    ]);
    expect(raw).toContain(JSON.stringify(join(odd, "python")));
  });
});

describe.skipIf(!found)("probe.sh read from stdin (ssh host sh -s < probe.sh)", () => {
  it("gives the same document as the file, with arguments after -s --", () => {
    const v = versions.at(-1)!;
    const r = spawnSync(which("dash"), ["-s", "--", exe(v)], { input: readFileSync(PROBE), encoding: "utf8", env: { PATH: tools, HOME: dir, LC_ALL: "C" } });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(runProbe([exe(v)]).doc);
  });
});

describe("probe.sh is what every bundle ships and `wheelbarrow probe --script` prints", () => {
  it("is a POSIX sh script that dash parses, with its usage on --help", () => {
    expect(spawnSync("dash", ["-n", PROBE]).status).toBe(0);
    const r = spawnSync("dash", [PROBE, "--help"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("sh probe.sh [PYTHON...] > target.json");
    expect(readFileSync(PROBE, "utf8").startsWith("#!/bin/sh\n")).toBe(true);
  });
});
