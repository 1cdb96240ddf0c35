/**
 * Checks a wheel as the site's installer (src/installer/install.py, WheelSource and the member
 * copy) will, before it goes into a bundle: a readable zip; no unsafe member name (empty, NUL,
 * backslash, absolute or drive letter, `..`, empty or `.` component); no symlink member; no
 * member twice; exactly one `<project>-<version>.dist-info`; a `.data` directory only of that
 * name, holding only scheme directories (scripts not in subdirectories); WHEEL with
 * Wheel-Version 1.x; a well-formed RECORD (3 columns, no path twice, sha256 or stronger, numeric
 * sizes) listing every member with a hash; and every member the installer copies matching its
 * RECORD hash and size. A wheel the installer would refuse is refused here with the same
 * reason, as E_BUNDLE naming the wheel: it is broken as published, not altered after the
 * bundle was built.
 *
 * The bundle command checks each wheel as soon as the downloader has it in the cache
 * (checkFetchedWheel), while other files download; the archive writer's call (validateWheel)
 * then finds the verdict. The zip is opened once, read in blocks (store/zip-file.ts), and its
 * members inflated and hashed a few at a time, each chunk hashed and dropped as it comes; the
 * first failing member in member order is the one reported, as if checked one by one.
 *
 * Bytes not hashed in this run (a trusted cache hit) are hashed alongside the check: when the
 * file is not the wheel its sha256 says (a damaged cache), nothing is judged here and the
 * archive writer reports E_INTEGRITY as it copies the file. A pass is remembered per sha256 and
 * file name for the process (a wheel shared by several targets is read once) and kept in the
 * cache with WHEEL_CHECK_VERSION (docs/cache.md), so a later run does not open it again.
 * Member names are decoded as Python's zipfile does (UTF-8 when the zip says so; otherwise
 * bytes above 0x7f are read as Latin-1 here, which only changes how a name is shown).
 */
import { createHash } from "node:crypto";
import type yauzl from "yauzl";
import { WbError } from "../errors.js";
import { HASH_ALGORITHMS } from "../model/hash-set.js";
import { canonicalizeName } from "../pypa/names.js";
import { hashFile, type Cache } from "../store/cache.js";
import { openZipFile, readMember } from "../store/zip-file.js";

/** RECORD digests wheelbarrow accepts: the integrity algorithms of src/model/hash-set.ts. */
const RECORD_HASHES = new Set(HASH_ALGORITHMS.filter((a) => a.integrity).map((a) => a.name));
const SCHEME_KEYS = ["purelib", "platlib", "headers", "scripts", "data"];
const BROKEN_HINT = "the wheel is broken as published (or was changed before wheelbarrow downloaded it): do not bundle it; report it to its maintainers or to the index's owner";

function refuse(filename: string, message: string, hint = BROKEN_HINT): WbError {
  return new WbError("E_BUNDLE", message, { hint, details: { file: filename } });
}

/** Python's repr of a str, near enough for names in messages. */
function repr(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** Why a `/`-separated relative path from a wheel is unsafe, or null (install.py unsafe_reason). */
export function unsafeReason(name: string): string | null {
  if (!name) return "empty path";
  if (name.includes("\0")) return "NUL byte";
  if (name.includes("\\")) return "backslash";
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "absolute path";
  const parts = name.replace(/\/+$/, "").split("/");
  if (parts.includes("..")) return "'..' component";
  if (parts.some((p) => p === "" || p === ".")) return "empty or '.' component";
  return null;
}

/** RECORD rows as Python's csv.reader reads them (quotes, doubled quotes, blank lines skipped). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
      continue;
    }
    if (c === '"' && field === "") {
      quoted = true;
      any = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
      any = true;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      if (any || field !== "") rows.push([...row, field]);
      row = [];
      field = "";
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || field !== "") rows.push([...row, field]);
  return rows;
}

interface RecordEntry {
  alg: string;
  digest: string;
  size: number | null;
}

function parseRecord(text: string, where: string): Map<string, RecordEntry> {
  const out = new Map<string, RecordEntry>();
  for (const row of parseCsv(text)) {
    if (row.length !== 3) throw refuse(where, `${where}: RECORD row ${repr(row.join(","))} does not have 3 columns`);
    const [path, hash, size] = row as [string, string, string];
    if (out.has(path)) throw refuse(where, `${where}: RECORD lists ${path} twice`);
    let alg = "";
    let digest = "";
    if (hash) {
      const eq = hash.indexOf("=");
      alg = eq === -1 ? hash : hash.slice(0, eq);
      digest = eq === -1 ? "" : hash.slice(eq + 1);
      if (!RECORD_HASHES.has(alg) || !digest) throw refuse(where, `${where}: RECORD hash ${repr(hash)} of ${path} is not sha256 or stronger`);
    }
    if (size && !/^[0-9]+$/.test(size)) throw refuse(where, `${where}: RECORD size ${repr(size)} of ${path} is not a number`);
    out.set(path, { alg, digest, size: size ? Number(size) : null });
  }
  return out;
}

function decodeName(raw: Buffer, flags: number): string {
  const nul = raw.indexOf(0);
  const bytes = nul === -1 ? raw : raw.subarray(0, nul);
  return flags & 0x800 ? bytes.toString("utf8") : bytes.toString("latin1");
}

interface Member {
  name: string;
  entry: yauzl.Entry;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return openZipFile(path, { lazyEntries: true, autoClose: false, decodeStrings: false, strictFileNames: false });
}

function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((res, rej) => {
    const out: yauzl.Entry[] = [];
    zip.on("entry", (e: yauzl.Entry) => {
      out.push(e);
      zip.readEntry();
    });
    zip.on("end", () => res(out));
    zip.on("error", rej);
    zip.readEntry();
  });
}

async function readText(zip: yauzl.ZipFile, members: Member[], path: string, filename: string): Promise<string> {
  const m = members.find((x) => x.name === path);
  if (!m) throw refuse(filename, `${filename} has no ${path}`);
  const chunks: Buffer[] = [];
  try {
    await readMember(zip, m.entry, (c) => chunks.push(c));
  } catch (e) {
    throw refuse(filename, `${filename} is not a readable wheel: ${(e as Error).message}`);
  }
  const data = Buffer.concat(chunks);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(data);
  if (Buffer.from(text, "utf8").compare(data) !== 0) throw refuse(filename, `${filename}: ${path} is not UTF-8`);
  return text;
}

/** One member the installer copies, with its RECORD row; or the refusal that stops the walk there. */
type MemberStep = { member: Member; want: RecordEntry } | { refused: WbError };

/** Members checked at once: a big one inflates in the thread pool while others are read and hashed. */
const LANES = 3;

/** Does the member inflate to its RECORD size and hash? Each chunk is hashed as it comes and dropped. */
async function memberMatches(zip: yauzl.ZipFile, m: Member, want: RecordEntry): Promise<boolean> {
  const h = createHash(want.alg);
  let size = 0;
  try {
    await readMember(zip, m.entry, (c) => {
      h.update(c);
      size += c.length;
    });
  } catch {
    return false;
  }
  return h.digest().equals(Buffer.from(want.digest, "base64url")) && (want.size === null || want.size === size);
}

/**
 * Every step, LANES at a time in order; the refusal is the first failing step's in member order,
 * exactly as if they were checked one by one (no step after a known failure is started).
 */
async function checkMembers(zip: yauzl.ZipFile, steps: MemberStep[], filename: string): Promise<void> {
  let next = 0;
  let failedAt = steps.length;
  const lane = async (): Promise<void> => {
    while (next < failedAt) {
      const i = next++;
      const s = steps[i]!;
      if ("refused" in s ? true : !(await memberMatches(zip, s.member, s.want))) failedAt = Math.min(failedAt, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LANES, steps.length) }, lane));
  const failed = steps[failedAt];
  if (!failed) return;
  if ("refused" in failed) throw failed.refused;
  throw refuse(filename, `${filename}: ${failed.member.name} does not match the hash or size in the wheel's RECORD`);
}

async function validate(path: string, filename: string): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (e) {
    throw refuse(filename, `${filename} is not a readable wheel: ${(e as Error).message}`);
  }
  try {
    let entries: yauzl.Entry[];
    try {
      entries = await listEntries(zip);
    } catch (e) {
      throw refuse(filename, `${filename} is not a readable wheel: ${(e as Error).message}`);
    }
    const members: Member[] = entries.map((entry) => ({ name: decodeName(entry.fileName as unknown as Buffer, entry.generalPurposeBitFlag), entry }));
    for (const m of members) {
      const reason = unsafeReason(m.name);
      if (reason) throw refuse(filename, `${filename} holds an unsafe member ${repr(m.name)} (${reason})`, "the wheel tries to write outside its install directory: do not install it");
      if (((m.entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000) throw refuse(filename, `${filename} holds a symlink member ${m.name}`, "wheels must not contain symlinks: do not install it");
    }
    const names = members.map((m) => m.name);
    if (new Set(names).size !== names.length) throw refuse(filename, `${filename} lists a member twice`);
    const project = canonicalizeName(filename.split("-")[0] ?? "");
    const tops = new Set(names.map((n) => n.split("/")[0]!));
    const distInfos = [...tops].filter((t) => t.endsWith(".dist-info"));
    const distName = (d: string) => {
      const stem = d.slice(0, -".dist-info".length);
      const dash = stem.lastIndexOf("-");
      return canonicalizeName(dash === -1 ? "" : stem.slice(0, dash));
    };
    if (distInfos.length !== 1 || distName(distInfos[0]!) !== project) {
      const shown = distInfos.length ? `[${distInfos.sort().map(repr).join(", ")}]` : "none";
      throw refuse(filename, `${filename} must hold exactly one ${project}-<version>.dist-info directory, it has ${shown}`);
    }
    const distInfo = distInfos[0]!;
    const dataDir = `${distInfo.slice(0, -".dist-info".length)}.data`;
    for (const t of tops) if (t.endsWith(".data") && t !== dataDir) throw refuse(filename, `${filename} has a data directory ${t} that does not match ${distInfo}`);
    const wheel = await readText(zip, members, `${distInfo}/WHEEL`, filename);
    const fields = new Map<string, string>();
    for (const line of wheel.split(/\r\n|\n|\r/)) {
      const i = line.indexOf(":");
      if (i !== -1) fields.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    if (!(fields.get("wheel-version") ?? "").startsWith("1.")) throw refuse(filename, `${filename} has Wheel-Version ${fields.get("wheel-version") ?? "(none)"}; this installer reads 1.x`);
    const record = parseRecord(await readText(zip, members, `${distInfo}/RECORD`, filename), filename);
    const unsigned = new Set(["RECORD", "RECORD.jws", "RECORD.p7s"].map((n) => `${distInfo}/${n}`));
    for (const n of names) {
      if (!n.endsWith("/") && !unsigned.has(n) && !record.get(n)?.alg) throw refuse(filename, `${filename}: member ${n} is not listed in RECORD with a hash`);
    }
    // What the installer copies, and checks against RECORD as it copies.
    const skip = new Set([...unsigned, ...["INSTALLER", "REQUESTED", "direct_url.json"].map((n) => `${distInfo}/${n}`)]);
    const steps: MemberStep[] = [];
    for (const m of members) {
      if (m.name.endsWith("/") || skip.has(m.name)) continue;
      const parts = m.name.split("/");
      if (parts.includes("__pycache__")) continue;
      if (parts[0] === dataDir) {
        if (parts.length < 3 || !SCHEME_KEYS.includes(parts[1]!)) {
          steps.push({ refused: refuse(filename, `${filename}: ${m.name} is not in ${dataDir}/{${SCHEME_KEYS.join(",")}}/`) });
          break;
        }
        if (parts[1] === "scripts" && parts.length !== 3) {
          steps.push({ refused: refuse(filename, `${filename}: script ${m.name} is in a subdirectory`) });
          break;
        }
      }
      steps.push({ member: m, want: record.get(m.name)! });
    }
    await checkMembers(zip, steps, filename);
  } finally {
    zip.close();
  }
}

/**
 * The check's version, stored with each verdict in the cache (`wheel-checks-v1/`, docs/cache.md):
 * raise it whenever the check refuses something it used to pass, so that every cached wheel is
 * checked again by the new rules.
 */
export const WHEEL_CHECK_VERSION = 1;

/** A wheel file and what is known of its bytes. */
export interface WheelFile {
  path: string;
  filename: string;
  /** The sha256 the bundle records for the file. */
  sha256: string;
  /** The bytes at `path` were hashed to `sha256` in this run (a download, or a re-hashed cache hit). */
  hashed: boolean;
}

/** The verdicts of one process: what passed (by sha256 and file name), and how often the check ran. */
export class WheelChecks {
  private readonly passed = new Set<string>();
  /** How many times a wheel was opened and checked (the rest were remembered verdicts). */
  runs = 0;

  constructor(private readonly check: (path: string, filename: string) => Promise<void> = validate) {}

  /**
   * Refuse (E_BUNDLE, naming the wheel) what the installer would refuse. A wheel that passed
   * before, in this process or (with `cache`, unless `recheck`) in an earlier run whose verdict
   * the cache keeps for this check version, is not opened again. When the bytes were not hashed
   * in this run they are hashed alongside the check: a file that is not the wheel its sha256
   * says (a damaged cache) is not judged here, and no verdict is kept for it; the archive writer
   * reports E_INTEGRITY as it copies the file.
   */
  async ensure(f: WheelFile, o: { cache?: Cache; recheck?: boolean } = {}): Promise<void> {
    const key = `${f.sha256}\n${f.filename}`;
    if (o.recheck) this.passed.delete(key);
    if (this.passed.has(key)) return;
    if (o.cache && !o.recheck) {
      const kept = o.cache.readWheelCheck(f.sha256);
      if (kept?.version === WHEEL_CHECK_VERSION && kept.filename === f.filename) {
        this.passed.add(key);
        return;
      }
    }
    this.runs++;
    const bytes = f.hashed ? Promise.resolve(true) : hashFile(f.path).then((h) => h.sha256 === f.sha256, () => false);
    const verdict = await this.check(f.path, f.filename).then(
      () => null,
      (e: unknown) => e,
    );
    // Missing or not the wheel the bundle records: the archive writer reports it (E_INTEGRITY).
    if (!(await bytes)) return;
    if (verdict !== null) throw verdict;
    this.passed.add(key);
    o.cache?.writeWheelCheck(f.sha256, { version: WHEEL_CHECK_VERSION, filename: f.filename });
  }
}

/** This process's verdicts. */
export const wheelChecks = new WheelChecks();

/**
 * Refuse (E_BUNDLE, naming the wheel) what the installer would refuse. `sha256` is the hash the
 * bundle records for the file; a file that does not have it is left to the archive writer.
 */
export function validateWheel(path: string, filename: string, sha256: string): Promise<void> {
  return wheelChecks.ensure({ path, filename, sha256, hashed: false });
}

/**
 * The check of a wheel the downloader just put in (or found in) the cache, as soon as it is
 * there: a download was hashed as it came; a cache hit was re-hashed with --verify-cache, which
 * also checks it again instead of trusting the verdict the cache keeps.
 */
export function checkFetchedWheel(f: { path: string; filename: string; sha256: string; cached: boolean }, o: { cache: Cache; verifyCache: boolean }): Promise<void> {
  if (!f.filename.endsWith(".whl")) return Promise.resolve();
  return wheelChecks.ensure({ path: f.path, filename: f.filename, sha256: f.sha256, hashed: !f.cached || o.verifyCache }, { cache: o.cache, recheck: o.verifyCache });
}
