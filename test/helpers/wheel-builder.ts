/**
 * Builds real wheels from a map of file contents (as pypa/installer's tests do): a valid
 * dist-info with METADATA, WHEEL, RECORD (sha256, urlsafe base64, sizes), optional
 * entry_points.txt and `.data/` members. Deterministic: fixed entry times, sorted entries.
 * `corrupt` options produce deliberately broken wheels for failure tests.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync, statSync, readFileSync } from "node:fs";
import { join } from "node:path";
import yazl from "yazl";

export interface WheelSpec {
  name: string;
  version: string;
  /** Tag triple, default "py3-none-any"; may be a compressed set like "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64". */
  tag?: string;
  build?: string;
  /** Files inside the wheel root (package code), path -> content. */
  files?: Record<string, string | Buffer>;
  /** `.data/<key>/<path>` members: e.g. { "scripts/tool": "#!python\n..." , "data/share/x": "..." }. */
  data?: Record<string, string | Buffer>;
  requiresDist?: string[];
  requiresPython?: string;
  providesExtra?: string[];
  license?: string;
  /** Extra METADATA header lines. */
  metadataExtra?: string[];
  entryPoints?: { console_scripts?: Record<string, string>; gui_scripts?: Record<string, string> };
  rootIsPurelib?: boolean;
  /** Executable members (by path inside the wheel). */
  executable?: string[];
  /** Deflate members (default true); false stores them, as some real wheels do. */
  compress?: boolean;
  /** Failure modes for tests. */
  corrupt?: {
    /** RECORD states a wrong hash for this path. */
    recordLiesAbout?: string;
    /** Add a raw member with this (unsafe) name, e.g. "../evil.py" or "/etc/evil". */
    extraRawMember?: { name: string; content: string };
    /** Name METADATA's Version differently from the filename. */
    metadataVersion?: string;
    /** Mark this member as a symlink in external_attr. */
    symlinkMember?: string;
  };
}

export interface BuiltWheel {
  path: string;
  filename: string;
  sha256: string;
  size: number;
  /** The METADATA text (for PEP 658 sidecars). */
  metadata: string;
}

const FIXED_DATE = new Date(Date.UTC(2020, 0, 1, 0, 0, 0));

export function normalizeDistName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "_");
}

function recordHash(data: Buffer): string {
  return "sha256=" + createHash("sha256").update(data).digest("base64url");
}

export function metadataText(spec: WheelSpec): string {
  const lines = ["Metadata-Version: 2.1", `Name: ${spec.name}`, `Version: ${spec.corrupt?.metadataVersion ?? spec.version}`];
  if (spec.license) lines.push(`License: ${spec.license}`);
  if (spec.requiresPython) lines.push(`Requires-Python: ${spec.requiresPython}`);
  for (const e of spec.providesExtra ?? []) lines.push(`Provides-Extra: ${e}`);
  for (const r of spec.requiresDist ?? []) lines.push(`Requires-Dist: ${r}`);
  lines.push(...(spec.metadataExtra ?? []));
  return lines.join("\n") + "\n\nA test package.\nRequires-Dist: not-a-real-header-in-body\n";
}

export function wheelFilename(spec: WheelSpec): string {
  const parts = [normalizeDistName(spec.name), spec.version];
  if (spec.build) parts.push(spec.build);
  parts.push(spec.tag ?? "py3-none-any");
  return parts.join("-") + ".whl";
}

export async function buildWheel(spec: WheelSpec, outDir: string): Promise<BuiltWheel> {
  mkdirSync(outDir, { recursive: true });
  const dist = `${normalizeDistName(spec.name)}-${spec.version}`;
  const distInfo = `${dist}.dist-info`;
  const tag = spec.tag ?? "py3-none-any";
  const members = new Map<string, Buffer>();
  for (const [p, c] of Object.entries(spec.files ?? {})) members.set(p, Buffer.from(c));
  for (const [p, c] of Object.entries(spec.data ?? {})) members.set(`${dist}.data/${p}`, Buffer.from(c));
  const metadata = metadataText(spec);
  members.set(`${distInfo}/METADATA`, Buffer.from(metadata));
  const tagLines: string[] = [];
  const [py = "py3", abi = "none", plat = "any"] = tag.split("-");
  for (const a of py.split(".")) for (const b of abi.split(".")) for (const c of plat.split(".")) tagLines.push(`Tag: ${a}-${b}-${c}`);
  const purelib = spec.rootIsPurelib ?? plat === "any";
  members.set(
    `${distInfo}/WHEEL`,
    Buffer.from(`Wheel-Version: 1.0\nGenerator: wheelbarrow-test-helper\nRoot-Is-Purelib: ${purelib}\n${tagLines.join("\n")}\n${spec.build ? `Build: ${spec.build}\n` : ""}`),
  );
  if (spec.entryPoints) {
    let ep = "";
    for (const [group, entries] of Object.entries(spec.entryPoints)) {
      ep += `[${group}]\n` + Object.entries(entries as Record<string, string>).map(([k, v]) => `${k} = ${v}\n`).join("") + "\n";
    }
    members.set(`${distInfo}/entry_points.txt`, Buffer.from(ep));
  }
  const recordRows: string[] = [];
  for (const [p, data] of [...members.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const hash = spec.corrupt?.recordLiesAbout === p ? recordHash(Buffer.from("lie")) : recordHash(data);
    recordRows.push(`${p},${hash},${data.length}`);
  }
  recordRows.push(`${distInfo}/RECORD,,`);
  members.set(`${distInfo}/RECORD`, Buffer.from(recordRows.join("\n") + "\n"));

  const zip = new yazl.ZipFile();
  const exec = new Set(spec.executable ?? []);
  for (const [p, data] of [...members.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    let mode = exec.has(p) ? 0o100755 : 0o100644;
    if (spec.corrupt?.symlinkMember === p) mode = 0o120777;
    zip.addBuffer(data, p, { mtime: FIXED_DATE, mode, compress: spec.compress ?? true });
  }
  if (spec.corrupt?.extraRawMember) {
    // yazl validates names; bypass by patching after build is complex, so encode via a placeholder and rewrite bytes.
    const { name, content } = spec.corrupt.extraRawMember;
    zip.addBuffer(Buffer.from(content), placeholderFor(name), { mtime: FIXED_DATE, mode: 0o100644, compress: false });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  let bytes: Buffer = Buffer.concat(chunks);
  if (spec.corrupt?.extraRawMember) {
    const ph = Buffer.from(placeholderFor(spec.corrupt.extraRawMember.name));
    const real = Buffer.from(spec.corrupt.extraRawMember.name);
    bytes = replaceAll(bytes, ph, real);
  }
  const filename = wheelFilename(spec);
  const path = join(outDir, filename);
  writeFileSync(path, bytes);
  return { path, filename, sha256: sha256File(path), size: statSync(path).size, metadata };
}

/** Same length as the unsafe name so offsets in the zip stay valid when patched in place. */
function placeholderFor(name: string): string {
  return "x".repeat(name.length);
}

function replaceAll(buf: Buffer, from: Buffer, to: Buffer): Buffer {
  const out = Buffer.from(buf);
  let i = out.indexOf(from);
  while (i !== -1) {
    to.copy(out, i);
    i = out.indexOf(from, i + to.length);
  }
  return out;
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
