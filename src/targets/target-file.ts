/**
 * `--target-file target.json[@PYTHON]`: a target described by probe.sh run on the machine itself
 * (README "Probing the target"). Pure: the file's text comes in, a Target goes out.
 *
 * Decisions:
 * - The platform floor is the machine's own: glibc X.Y -> manylinux_X_Y_<arch>, musl 1.Y ->
 *   musllinux_1_Y_<arch>, macOS X.Y -> macosx_X_Y_<arch>, Windows -> win_amd64/win_arm64/win32. A
 *   32-bit python on a 64-bit machine plans for the 32-bit platform it can load (packaging does
 *   the same: i686 on x86_64, armv7l on aarch64, win32 on AMD64).
 * - The Python is the probed interpreter matching @PYTHON, else the first probed one wheelbarrow
 *   can target (CPython 3.8+, PyPy 3.8+; a RHEL 8 /usr/bin/python3 3.6 is passed over). The target's
 *   Python version is that interpreter's full version, so Requires-Python is checked against
 *   exactly what runs there.
 * - The marker environment is the probed interpreter's own, so platform_release and
 *   platform_version evaluate as they will there. With --embed-python the interpreter is the
 *   carried one: @PYTHON names it, the markers are the target model's, and platform_release /
 *   platform_version come from the machine (a probed python's, else uname on Linux and macOS).
 * - The tag list is always the target model's (never linux_<arch>); the probed list is only
 *   compared with it, and any difference becomes a warning.
 * - The file is untrusted input: bounded in size, every field checked, an unexpected shape is
 *   E_USAGE naming the file and the field.
 */
import { WbError } from "../errors.js";
import type { MarkerEnvironment } from "../pypa/markers.js";
import { CPYTHON_MINORS, PYPY_MINORS, hostTarget, parsePythonSpec, type HostInfo } from "./parse-target.js";
import { pythonVersionString, type Target, type TargetPython } from "./target.js";

/** A target.json is a few hundred kB at most (a thousand tags per python); refuse anything far bigger. */
export const TARGET_FILE_MAX_BYTES = 8 * 1024 * 1024;
const MAX_PYTHONS = 64;
const MAX_TAGS = 50_000;
const MAX_STRING = 4096;
export const PROBE_FORMAT = 1;

const MARKER_KEYS = [
  "implementation_name",
  "implementation_version",
  "os_name",
  "platform_machine",
  "platform_python_implementation",
  "platform_release",
  "platform_system",
  "platform_version",
  "python_full_version",
  "python_version",
  "sys_platform",
] as const;

const PROBE_HINT = "make it on the target machine: `wheelbarrow probe --script > probe.sh` here (every bundle also has probe.sh), then `sh probe.sh > target.json` there";

export interface ProbedPython {
  /** As found on PATH or given to probe.sh. */
  path: string;
  /** The interpreter's real path. */
  executable: string;
  /** platform.python_version(): "3.11.7", "3.14.0rc1". */
  version: string;
  /** sys.implementation.name: "cpython", "pypy", ... */
  implementation: string;
  freeThreaded: boolean;
  /** Pointer size in bits, when the probe said. */
  bits?: number;
  markerEnv: Record<(typeof MARKER_KEYS)[number], string>;
  /** What the interpreter supports, best first; null when it could not compute them. */
  tags: string[] | null;
  error?: string;
}

export interface ProbedMachine {
  /** uname -s: Linux, Darwin, MINGW64_NT-10.0-19045 ... */
  os: string;
  /** uname -r and -v. */
  release: string;
  version: string;
  /** uname -m (on Apple silicon arm64 even under Rosetta). */
  arch: string;
  libc: { family: "glibc" | "musl"; version: string | null } | null;
  macos: string | null;
  pythons: ProbedPython[];
  skipped: { path: string; reason: string }[];
}

function bad(file: string, what: string): WbError {
  return new WbError("E_USAGE", `${file} is not a target description from probe.sh: ${what}`, { hint: [PROBE_HINT], details: { file } });
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(file: string, o: Obj, key: string, where: string, opts: { max?: number; pattern?: RegExp; nullable?: boolean } = {}): string | null {
  const v = o[key];
  if (v === null && opts.nullable) return null;
  if (typeof v !== "string") throw bad(file, `${where}${key} must be a string${opts.nullable ? " or null" : ""}`);
  if (v.length > (opts.max ?? MAX_STRING)) throw bad(file, `${where}${key} is longer than ${opts.max ?? MAX_STRING} characters`);
  if (opts.pattern && !opts.pattern.test(v)) throw bad(file, `${where}${key} '${v.slice(0, 80)}' is malformed`);
  return v;
}

const TAG_RE = /^[a-z0-9_.]+-[a-z0-9_.]+-[a-z0-9_.]+$/;
const PY_VERSION_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})((?:a|b|rc)\d{1,3})?/;

function parsePythonEntry(file: string, v: unknown, i: number): ProbedPython {
  const where = `pythons[${i}].`;
  if (!isObj(v)) throw bad(file, `pythons[${i}] must be an object`);
  const env = v["markerEnvironment"];
  if (!isObj(env)) throw bad(file, `${where}markerEnvironment must be an object`);
  const markerEnv = {} as ProbedPython["markerEnv"];
  for (const k of MARKER_KEYS) markerEnv[k] = str(file, env, k, `${where}markerEnvironment.`)!;
  let tags: string[] | null = null;
  const t = v["tags"];
  if (t !== null) {
    if (!Array.isArray(t)) throw bad(file, `${where}tags must be a list or null`);
    if (t.length > MAX_TAGS) throw bad(file, `${where}tags has more than ${MAX_TAGS} entries`);
    tags = t.map((tag, j) => {
      if (typeof tag !== "string" || tag.length > 200 || !TAG_RE.test(tag)) throw bad(file, `${where}tags[${j}] is not a wheel tag`);
      return tag;
    });
  }
  if (typeof v["freeThreaded"] !== "boolean") throw bad(file, `${where}freeThreaded must be true or false`);
  const bits = v["bits"];
  if (bits !== undefined && bits !== 32 && bits !== 64) throw bad(file, `${where}bits must be 32 or 64`);
  const out: ProbedPython = {
    path: str(file, v, "path", where)!,
    executable: str(file, v, "executable", where)!,
    version: str(file, v, "version", where, { max: 64, pattern: PY_VERSION_RE })!,
    implementation: str(file, v, "implementation", where, { max: 64, pattern: /^[a-z0-9_]*$/ })!,
    freeThreaded: v["freeThreaded"],
    markerEnv,
    tags,
  };
  if (bits !== undefined) out.bits = bits;
  if (v["error"] !== undefined) out.error = str(file, v, "error", where)!;
  return out;
}

/** Validate a target.json's text into a ProbedMachine (E_USAGE naming the file when it is not one). */
export function parseProbe(text: string, file: string): ProbedMachine {
  if (text.length > TARGET_FILE_MAX_BYTES) throw bad(file, `it is larger than ${TARGET_FILE_MAX_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw bad(file, `it is not JSON (${(e as Error).message})`);
  }
  if (!isObj(doc)) throw bad(file, "it is not a JSON object");
  if (doc["wheelbarrowProbe"] !== PROBE_FORMAT) {
    throw typeof doc["wheelbarrowProbe"] === "number"
      ? bad(file, `it is probe format ${String(doc["wheelbarrowProbe"])}; this wheelbarrow reads format ${PROBE_FORMAT}`)
      : bad(file, "it has no \"wheelbarrowProbe\": 1");
  }
  const libcRaw = doc["libc"];
  let libc: ProbedMachine["libc"] = null;
  if (libcRaw !== null) {
    if (!isObj(libcRaw)) throw bad(file, "libc must be an object or null");
    const family = str(file, libcRaw, "family", "libc.");
    if (family !== "glibc" && family !== "musl") throw bad(file, `libc.family must be glibc or musl, got '${family}'`);
    libc = { family, version: str(file, libcRaw, "version", "libc.", { max: 64, pattern: /^\d+\.\d+/, nullable: true }) };
  }
  const pythons = doc["pythons"];
  if (!Array.isArray(pythons)) throw bad(file, "pythons must be a list");
  if (pythons.length > MAX_PYTHONS) throw bad(file, `pythons has more than ${MAX_PYTHONS} entries`);
  const skippedRaw = doc["skipped"] ?? [];
  if (!Array.isArray(skippedRaw) || skippedRaw.length > MAX_PYTHONS * 4) throw bad(file, "skipped must be a short list");
  const skipped = skippedRaw.map((s: unknown, i) => {
    if (!isObj(s)) throw bad(file, `skipped[${i}] must be an object`);
    return { path: str(file, s, "path", `skipped[${i}].`)!, reason: str(file, s, "reason", `skipped[${i}].`)! };
  });
  return {
    os: str(file, doc, "os", "", { max: 256 })!,
    release: str(file, doc, "release", "")!,
    version: str(file, doc, "version", "")!,
    arch: str(file, doc, "arch", "", { max: 64, pattern: /^[A-Za-z0-9_.-]*$/ })!,
    libc,
    macos: str(file, doc, "macos", "", { max: 32, pattern: /^\d+(\.\d+)*$/, nullable: true }),
    pythons: pythons.map((p, i) => parsePythonEntry(file, p, i)),
    skipped,
  };
}

/** `FILE@PYTHON` -> file and Python; an `@` followed by something that is not a Python spelling stays in the file name. */
export function splitTargetFileArg(value: string): { file: string; python?: string } {
  const m = /^(.+)@((?:cp|pp|pypy|cpython|python)?3(?:\.\d+(?:\.\d+(?:(?:a|b|rc)\d+)?)?|\d{1,2})?t?)$/i.exec(value);
  return m ? { file: m[1]!, python: m[2]! } : { file: value };
}

type System = "Linux" | "Darwin" | "Windows";

function systemOf(os: string): System | undefined {
  if (os === "Linux" || os === "Darwin" || os === "Windows") return os;
  if (/^(MINGW|MSYS|CYGWIN)/i.test(os) || /^Windows/i.test(os)) return "Windows";
  return undefined;
}

function probedPython(p: ProbedPython): TargetPython | undefined {
  const m = PY_VERSION_RE.exec(p.version);
  if (!m) return undefined;
  const [major, minor, micro] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major !== 3) return undefined;
  if (p.implementation === "cpython") {
    if (minor < CPYTHON_MINORS.min || minor > CPYTHON_MINORS.max) return undefined;
    const py: TargetPython = { implementation: "cpython", major, minor, micro, freeThreaded: p.freeThreaded };
    if (m[4]) py.pre = m[4];
    return py;
  }
  if (p.implementation === "pypy") {
    if (minor < PYPY_MINORS.min || minor > PYPY_MINORS.max) return undefined;
    return { implementation: "pypy", major, minor, micro, freeThreaded: false };
  }
  return undefined;
}

function matches(want: TargetPython, got: TargetPython): boolean {
  return (
    want.implementation === got.implementation &&
    want.major === got.major &&
    want.minor === got.minor &&
    want.freeThreaded === got.freeThreaded &&
    (want.micro === undefined || want.micro === got.micro) &&
    (want.pre === undefined || want.pre === got.pre)
  );
}

function describePython(p: ProbedPython): string {
  return `${p.path} (${p.implementation === "cpython" ? "" : `${p.implementation} `}${p.version}${p.freeThreaded ? " free-threaded" : ""})`;
}

function parseVersion(text: string | null | undefined): { major: number; minor: number } | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text ?? "") ?? /^(\d+)$/.exec(text ?? "");
  return m ? { major: Number(m[1]), minor: Number(m[2] ?? 0) } : undefined;
}

const BITS32: Record<string, string> = { x86_64: "i686", amd64: "i686", aarch64: "armv7l", arm64: "armv7l" };
const BITS32_WINDOWS: Record<string, string> = { x86_64: "x86", amd64: "x86", arm64: "x86" };

function hostInfo(m: ProbedMachine, system: System, py: TargetPython, bits: number | undefined, file: string): HostInfo {
  let machine = m.arch;
  if (bits === 32) machine = (system === "Windows" ? BITS32_WINDOWS : BITS32)[machine.toLowerCase()] ?? machine;
  const info: HostInfo = { system, machine, implementation: py.implementation, pythonVersion: pythonVersionString(py), freeThreaded: py.freeThreaded };
  if (system === "Linux") {
    if (!m.libc) throw new WbError("E_USAGE", `${file}: the probe found neither glibc nor musl on that Linux machine, so its platform floor is unknown`, { hint: ["name the floor yourself: --target manylinux_2_<glibc minor>_<arch>@PYTHON or musllinux_1_<musl minor>_<arch>@PYTHON"], details: { file } });
    const v = parseVersion(m.libc.version);
    if (!v) throw new WbError("E_USAGE", `${file}: the probe found ${m.libc.family} on that machine but not its version`, { hint: [`name the floor yourself: --target ${m.libc.family === "glibc" ? "manylinux_2_<glibc minor>" : "musllinux_1_<musl minor>"}_<arch>@PYTHON`], details: { file } });
    if (m.libc.family === "glibc") info.glibc = v;
    else info.musl = v;
  } else if (system === "Darwin") {
    const v = parseVersion(m.macos);
    if (!v) throw new WbError("E_USAGE", `${file}: the probe did not find the macOS version of that machine`, { hint: ["name it yourself: --target macosx_<major>_<minor>_<arm64|x86_64>@PYTHON"], details: { file } });
    info.macos = v;
  }
  return info;
}

function tagWarnings(file: string, t: Target, p: ProbedPython): string[] {
  if (p.tags === null) return [`${file}: ${describePython(p)} could not list its wheel tags (${p.error ?? "no reason given"}); the tags of ${t.spec} are not cross-checked`];
  const probed = p.tags.filter((tag) => !/^linux_/.test(tag.split("-")[2] ?? ""));
  const ours = t.tags;
  if (probed.length === ours.length && probed.every((tag, i) => tag === ours[i])) return [];
  const have = new Set(ours);
  const theirs = new Set(probed);
  const missing = probed.filter((tag) => !have.has(tag));
  const extra = ours.filter((tag) => !theirs.has(tag));
  const eg = (xs: string[]) => xs.slice(0, 3).join(", ") + (xs.length > 3 ? ", …" : "");
  const out: string[] = [];
  if (missing.length) out.push(`${file}: ${describePython(p)} supports ${missing.length} wheel tag(s) that ${t.spec} does not (${eg(missing)}); wheels with only those tags are not chosen`);
  if (extra.length) out.push(`${file}: ${t.spec} takes ${extra.length} wheel tag(s) that ${describePython(p)} does not support (${eg(extra)}); a wheel chosen for one of them may not install there`);
  if (!missing.length && !extra.length) {
    const i = ours.findIndex((tag, j) => tag !== probed[j]);
    out.push(`${file}: ${describePython(p)} ranks its wheel tags in another order than ${t.spec} (first at #${i + 1}: ${probed[i]} there, ${ours[i]} here)`);
  }
  return out;
}

const MODEL_CHECKED = ["os_name", "sys_platform", "platform_system", "python_version", "implementation_name"] as const;

function markerWarnings(file: string, model: MarkerEnvironment, probed: ProbedPython["markerEnv"], p: ProbedPython): string[] {
  const diff = MODEL_CHECKED.filter((k) => model[k] !== probed[k]);
  if (!diff.length) return [];
  return [`${file}: ${describePython(p)} reports ${diff.map((k) => `${k}=${probed[k]}`).join(", ")} where the target model has ${diff.map((k) => `${k}=${model[k] ?? "(unset)"}`).join(", ")}; markers are evaluated with that python's values`];
}

export interface TargetFileResult {
  target: Target;
  warnings: string[];
  /** The probed interpreter the target was made for; absent with --embed-python. */
  python?: ProbedPython;
}

/**
 * The target for exactly the probed machine. `input` is the --target-file value as written (it
 * becomes Target.input); `python` the part after `@`; `embedPython` true when the bundle carries
 * its own interpreter (then the machine needs none).
 */
export function targetFromProbe(m: ProbedMachine, opts: { file: string; input: string; python?: string; embedPython: boolean }): TargetFileResult {
  const { file } = opts;
  const system = systemOf(m.os);
  if (!system) throw new WbError("E_USAGE", `${file}: the machine runs '${m.os}'; wheelbarrow targets Linux, macOS and Windows`, { details: { file } });
  const want = opts.python !== undefined ? parsePythonSpec(opts.python) : undefined;
  const usable = m.pythons.flatMap((p) => {
    const py = probedPython(p);
    return py ? [{ probed: p, py }] : [];
  });
  const found = m.pythons.length ? m.pythons.map(describePython).join(", ") : "none";
  const spell = (py: TargetPython) => `${py.implementation === "pypy" ? "pp" : ""}${pythonVersionString(py)}${py.freeThreaded ? "t" : ""}`;
  const build = (info: HostInfo): Target => {
    try {
      return hostTarget(info);
    } catch (e) {
      if (e instanceof WbError) throw new WbError(e.code, `${file}: ${e.message}`, { hint: e.hints, details: { ...e.details, file } });
      throw e;
    }
  };

  if (opts.embedPython) {
    const carried = want ?? (usable[0] ? { ...usable[0].py, micro: undefined, pre: undefined } : undefined);
    if (!carried) {
      throw new WbError("E_USAGE", `${file}: name the Python to carry: --target-file ${file}@3.12 (that machine has no Python wheelbarrow can target; found: ${found})`, { hint: [`--embed-python carries the interpreter; @PYTHON says which version, e.g. --target-file ${file}@3.12`], details: { file } });
    }
    const target = build(hostInfo(m, system, carried, undefined, file));
    // The machine's kernel, as any python there (or uname) reports it.
    const release = m.pythons[0]?.markerEnv.platform_release ?? (system === "Windows" ? undefined : m.release || undefined);
    const version = m.pythons[0]?.markerEnv.platform_version ?? (system === "Windows" ? undefined : m.version || undefined);
    return { target: { ...target, input: opts.input, markerEnv: { ...target.markerEnv, platform_release: release, platform_version: version } }, warnings: [] };
  }

  const chosen = want ? usable.find((u) => matches(want, u.py)) : usable[0];
  if (!chosen) {
    const what = want
      ? `that machine has no Python ${spell(want)} (found: ${found})`
      : m.pythons.length
        ? `that machine has no Python wheelbarrow can target (CPython 3.${CPYTHON_MINORS.min}-3.${CPYTHON_MINORS.max}, PyPy 3.${PYPY_MINORS.min}-3.${PYPY_MINORS.max}); found: ${found}`
        : "that machine has no Python";
    const message = `${file}: ${what}; a bundle made with --embed-python carries its own`;
    const hints = [`carry one in the bundle: wheelbarrow bundle --embed-python --target-file ${file}@${want ? spell(want) : "3.12"} ...`];
    if (want && usable[0]) hints.push(`or plan for one it has: --target-file ${file}@${spell({ ...usable[0].py, micro: undefined, pre: undefined })}`);
    throw new WbError("E_TARGET_MISMATCH", message, { hint: hints, details: { file, found: m.pythons.map((p) => ({ path: p.path, version: p.version, implementation: p.implementation })) } });
  }
  const target = build(hostInfo(m, system, chosen.py, chosen.probed.bits, file));
  const warnings = [...markerWarnings(file, target.markerEnv, chosen.probed.markerEnv, chosen.probed), ...tagWarnings(file, target, chosen.probed)];
  return { target: { ...target, input: opts.input, markerEnv: { ...chosen.probed.markerEnv } }, warnings, python: chosen.probed };
}

/** parseProbe + targetFromProbe for one `--target-file` value whose file text is given. */
export function parseTargetFile(text: string, opts: { file: string; input: string; python?: string; embedPython: boolean }): TargetFileResult {
  return targetFromProbe(parseProbe(text, opts.file), opts);
}
