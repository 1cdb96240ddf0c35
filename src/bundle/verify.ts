/**
 * `verify`: checks a bundle end to end and reports every damaged, missing or unexpected file at
 * once (one E_BUNDLE whose message lists them, one line per file, sorted).
 *
 * Checks: the archive structure (read-bundle.ts); every SHA256SUMS line against the content;
 * manifest.json's shape and formatVersion (1.x); every wheel's sha256 and size and every other
 * file's against the manifest; no file that SHA256SUMS or the manifest does not list; pylock.toml,
 * requirements.txt and sbom.cdx.json name exactly the manifest's packages with the same versions,
 * hashes (and, for the lock, paths and sizes); for archives, the top-level directory is the stem
 * the manifest implies.
 */
import { WbError, codedPypa } from "../errors.js";
import { canonicalizeName } from "../pypa/names.js";
import { parsePylock } from "../pypa/pylock.js";
import { versionsEqual } from "../pypa/versions.js";
import { MANIFEST_NAME, SUMS_NAME, SUMS_SIG_NAME, parseManifest, type Manifest } from "./manifest.js";
import type { OpenedBundle } from "./read-bundle.js";
import { parseRequirementsOut } from "./requirements-out.js";
import { parseSha256Sums } from "./sha256sums.js";
import { terminalSafe } from "../text/terminal-safe.js";

export interface VerifyReport {
  bundle: string;
  format: string;
  stem: string;
  name: string;
  version: string;
  target: string;
  packages: number;
  files: number;
}

export interface VerifyProblem {
  file: string;
  problems: string[];
}

const short = (h: string | null | undefined): string => (h ? h.slice(0, 16) + "…" : "?");

class Problems {
  private readonly byFile = new Map<string, string[]>();
  add(file: string, problem: string): void {
    const list = this.byFile.get(file) ?? [];
    if (!list.includes(problem)) list.push(problem);
    this.byFile.set(file, list);
  }
  get size(): number {
    return this.byFile.size;
  }
  list(): VerifyProblem[] {
    return [...this.byFile.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([file, problems]) => ({ file, problems }));
  }
}

function bundleStemOf(m: Manifest): string {
  return `${m.app.name}-${m.app.version}-${m.target.platform}-${m.target.pythonTag}`;
}

function checkContents(b: OpenedBundle, p: Problems): Manifest | null {
  // SHA256SUMS
  const sumsText = b.texts.get(SUMS_NAME);
  const sums = new Map<string, string>();
  if (!b.files.has(SUMS_NAME)) p.add(SUMS_NAME, "missing");
  else if (sumsText === undefined) p.add(SUMS_NAME, "too large to be a checksum list");
  else {
    const parsed = parseSha256Sums(sumsText.toString("utf8"));
    for (const why of parsed.problems) p.add(SUMS_NAME, why);
    for (const e of parsed.entries) {
      if (sums.has(e.path)) p.add(SUMS_NAME, `lists ${e.path} twice`);
      sums.set(e.path, e.sha256);
    }
  }

  // manifest.json
  let manifest: Manifest | null = null;
  const mText = b.texts.get(MANIFEST_NAME);
  if (!b.files.has(MANIFEST_NAME)) p.add(MANIFEST_NAME, "missing");
  else if (mText === undefined) p.add(MANIFEST_NAME, "too large to be a manifest");
  else {
    try {
      manifest = parseManifest(mText.toString("utf8"), b.source);
    } catch (e) {
      if (!(e instanceof WbError)) throw e;
      // A newer major format is not damage: say so on its own, with its hint.
      if (e.details["expected"] === "1.x") throw e;
      p.add(MANIFEST_NAME, e.message.replace(`${b.source}: `, ""));
    }
  }
  const expected = new Map<string, { sha256: string; size: number; from: string }>();
  if (manifest) {
    for (const pkg of manifest.packages) expected.set(pkg.path, { sha256: pkg.sha256, size: pkg.size, from: "manifest.json" });
    for (const f of manifest.files) expected.set(f.path, { sha256: f.sha256, size: f.size, from: "manifest.json" });
    if (manifest.python) expected.set(manifest.python.path, { sha256: manifest.python.sha256, size: manifest.python.size, from: "manifest.json" });
  }

  // Every file listed somewhere must exist and match; every file present must be listed.
  const listed = new Set<string>([...sums.keys(), ...expected.keys()]);
  for (const path of [...listed].sort()) {
    const f = b.files.get(path);
    const inSums = sums.get(path);
    const inManifest = expected.get(path);
    if (!f) {
      p.add(path, `missing (listed in ${[inSums && SUMS_NAME, inManifest && MANIFEST_NAME].filter(Boolean).join(" and ")})`);
      continue;
    }
    const wrong: string[] = [];
    if (inSums !== undefined && inSums !== f.sha256) wrong.push(SUMS_NAME);
    if (inManifest && inManifest.sha256 !== f.sha256) wrong.push(MANIFEST_NAME);
    if (wrong.length > 0) {
      const exp = inSums !== undefined && inSums !== f.sha256 ? inSums : inManifest?.sha256;
      p.add(path, `content differs from ${wrong.join(" and ")} (sha256 expected ${short(exp)}, found ${short(f.sha256)})`);
    }
    if (inManifest && inManifest.size !== f.size) p.add(path, `size differs from manifest.json (expected ${inManifest.size} bytes, found ${f.size})`);
  }
  // Archives carry modes: the executable bit must be the manifest's (wheels never executable).
  if (manifest && b.format !== "dir") {
    const exec = new Map<string, boolean>([...manifest.packages.map((x) => [x.path, false] as const), ...manifest.files.map((f) => [f.path, f.executable === true] as const), ...(manifest.python ? [[manifest.python.path, false] as const] : [])]);
    for (const [path, want] of exec) {
      const got = b.files.get(path)?.executable;
      if (got !== undefined && got !== want) p.add(path, want ? "is not executable, manifest.json says it is" : "is executable, manifest.json says it is not");
    }
  }
  for (const path of [...b.files.keys()].sort()) {
    if (path === SUMS_NAME || path === SUMS_SIG_NAME) continue; // the signature is checked on its own (src/sign)
    const notIn = [!sums.has(path) && sumsText !== undefined && SUMS_NAME, manifest && path !== MANIFEST_NAME && !expected.has(path) && MANIFEST_NAME].filter(Boolean);
    if (notIn.length > 0) p.add(path, `unexpected file (not listed in ${notIn.join(" nor ")})`);
  }
  return manifest;
}

function checkRecords(b: OpenedBundle, m: Manifest, p: Problems): void {
  const listedFiles = new Set(m.files.map((f) => f.path));
  for (const x of m.packages) if (x.provenance !== undefined && !listedFiles.has(x.provenance)) p.add(MANIFEST_NAME, `${x.name}: provenance ${x.provenance} is not among the listed files`);
  const pkgs = new Map(m.packages.map((x) => [canonicalizeName(x.name), x]));
  const compare = (file: string, found: Map<string, { version: string; sha256: string; path?: string; size?: number }>): void => {
    for (const [name, want] of pkgs) {
      const got = found.get(name);
      if (!got) p.add(file, `does not list ${name} ${want.version}`);
      else {
        if (!versionsEqual(got.version, want.version)) p.add(file, `lists ${name} ${got.version}, manifest.json has ${want.version}`);
        if (got.sha256 !== want.sha256) p.add(file, `${name}: sha256 differs from manifest.json`);
        if (got.path !== undefined && got.path !== want.path) p.add(file, `${name}: wheel path ${got.path} differs from manifest.json (${want.path})`);
        if (got.size !== undefined && got.size !== want.size) p.add(file, `${name}: size differs from manifest.json`);
      }
    }
    for (const [name, got] of found) if (!pkgs.has(name)) p.add(file, `lists ${name} ${got.version}, which manifest.json does not`);
  };

  const lockText = b.texts.get("pylock.toml");
  if (lockText !== undefined) {
    try {
      const lock = codedPypa(() => parsePylock(lockText.toString("utf8"), "pylock.toml"));
      const found = new Map<string, { version: string; sha256: string; path?: string; size?: number }>();
      for (const pk of lock.packages) {
        if (pk.wheels.length !== 1) p.add("pylock.toml", `${pk.name}: lists ${pk.wheels.length} wheels, a bundle's lock lists exactly one`);
        const w = pk.wheels[0];
        found.set(pk.name, { version: pk.version ?? "", sha256: w?.hashes["sha256"] ?? "", path: w?.path, size: w?.size });
      }
      compare("pylock.toml", found);
    } catch (e) {
      if (!(e instanceof WbError)) throw e;
      p.add("pylock.toml", e.message.replace(/^pylock\.toml:\s*/, ""));
    }
  }
  const reqText = b.texts.get("requirements.txt");
  if (reqText !== undefined) {
    const parsed = parseRequirementsOut(reqText.toString("utf8"));
    for (const why of parsed.problems) p.add("requirements.txt", why);
    compare("requirements.txt", new Map(parsed.pins.map((x) => [canonicalizeName(x.name), { version: x.version, sha256: x.sha256 }])));
  }
  const sbomText = b.texts.get("sbom.cdx.json");
  if (sbomText !== undefined) {
    try {
      const sbom = JSON.parse(sbomText.toString("utf8")) as { components?: { name?: string; version?: string; "bom-ref"?: string; hashes?: { alg?: string; content?: string }[] }[] };
      const found = new Map<string, { version: string; sha256: string }>();
      const sha = (c: { hashes?: { alg?: string; content?: string }[] }) => c.hashes?.find((h) => h.alg === "SHA-256")?.content ?? "";
      // The embedded interpreter is its own component (bom-ref python:<archive>), checked against manifest.python.
      const py = (sbom.components ?? []).filter((c) => String(c["bom-ref"] ?? "").startsWith("python:"));
      if (m.python && !py.some((c) => c["bom-ref"] === `python:${m.python!.path.slice("python/".length)}` && c.version === m.python!.version && sha(c) === m.python!.sha256)) {
        p.add("sbom.cdx.json", `does not list the embedded interpreter ${m.python.path} with its version and sha256`);
      }
      if (!m.python && py.length) p.add("sbom.cdx.json", "lists an embedded interpreter, which manifest.json does not");
      for (const c of sbom.components ?? []) {
        if (String(c["bom-ref"] ?? "").startsWith("python:")) continue;
        found.set(canonicalizeName(String(c.name)), { version: String(c.version), sha256: c.hashes?.find((h) => h.alg === "SHA-256")?.content ?? "" });
      }
      compare("sbom.cdx.json", found);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      p.add("sbom.cdx.json", `is not valid JSON (${e.message})`);
    }
  }
}

/** Verifies an opened bundle; throws one E_BUNDLE listing every problem. */
export function verifyOpened(b: OpenedBundle): VerifyReport {
  const p = new Problems();
  for (const s of b.problems) p.add(s.file, s.problem);
  const manifest = checkContents(b, p);
  if (manifest) {
    checkRecords(b, manifest, p);
    const stem = bundleStemOf(manifest);
    if (b.format !== "dir" && b.root !== stem) p.add("(archive)", `top-level directory ${b.root}/ does not match the manifest (${stem}/)`);
  }
  if (p.size > 0) {
    const list = p.list();
    // File names and problem texts quote the bundle: escaped, so none can draw on the terminal or forge a line.
    const lines = list.map((x) => `  ${terminalSafe(x.file)}: ${x.problems.map(terminalSafe).join("; ")}`);
    throw new WbError("E_BUNDLE", `${terminalSafe(b.source)} is damaged or altered (${list.length} file${list.length === 1 ? "" : "s"}):\n${lines.join("\n")}`, {
      hint: "do not install it; fetch the bundle again from its source (or rebuild it) and verify that copy",
      details: { bundle: b.source, problems: list },
    });
  }
  const m = manifest as Manifest;
  return {
    bundle: b.source,
    format: b.format,
    stem: b.root,
    name: m.app.name,
    version: m.app.version,
    target: m.target.spec,
    packages: m.packages.length,
    files: b.files.size,
  };
}

