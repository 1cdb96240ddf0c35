/**
 * install.ps1 cannot run here (no PowerShell on this machine, and none to install), so this file
 * checks what can be checked without it: every `$manifest.…` field the script reads exists in a
 * manifest made by the real serializer (with an embedded interpreter), it reads the same fields
 * install.sh reads, it accepts the same options, it checks the archive with Get-FileHash before
 * tar.exe unpacks it, and it unpacks where install.sh does. Where `pwsh` is on PATH, PowerShell's
 * own parser must accept the script (skipped with the reason otherwise).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { serializeManifest, type Manifest } from "../../src/bundle/manifest.js";
import { WINDOWS } from "../bundle/helpers.js";

const ps1 = readFileSync(new URL("../../src/installer/install.ps1", import.meta.url), "utf8");
const sh = readFileSync(new URL("../../src/installer/install.sh", import.meta.url), "utf8");
const PBS = "cpython-3.12.4+20240726-x86_64-pc-windows-msvc-install_only_stripped.tar.gz";

function pwshAvailable(): boolean {
  try {
    execFileSync("pwsh", ["-NoProfile", "-Command", "exit 0"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const pwsh = pwshAvailable();

const manifest: Manifest = {
  formatVersion: "1.0.0",
  createdBy: { tool: "wheelbarrow", version: "0.1.0" },
  app: { name: "shop", version: "2.3.0", entry: null },
  target: WINDOWS,
  python: { implementation: "cpython", version: "3.12.4", build: "20240726", triple: "x86_64-pc-windows-msvc", path: `python/${PBS}`, sha256: "a".repeat(64), size: 123, source: PBS, floor: { glibc: null, macos: null } },
  packages: [],
  files: [],
};
const doc = JSON.parse(serializeManifest(manifest)) as Record<string, unknown>;

/** The dotted manifest paths install.ps1 reads (`$manifest.python.sha256` -> `python.sha256`). */
const ps1Fields = [...new Set([...ps1.matchAll(/\$manifest((?:\.[A-Za-z][A-Za-z0-9]*)+)/g)].map((m) => m[1]!.slice(1)))].sort();

function lookup(o: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((x, k) => (x !== null && typeof x === "object" ? (x as Record<string, unknown>)[k] : undefined), o);
}

describe("install.ps1 against the manifest and install.sh", () => {
  it("every manifest field it reads exists in a manifest written by the serializer", () => {
    expect(ps1Fields).toEqual(["app.name", "python", "python.path", "python.sha256", "python.size", "target", "target.python"]);
    for (const f of ps1Fields) expect(lookup(doc, f), f).not.toBeUndefined();
    expect(lookup(doc, "python.path")).toMatch(/^python\/[^/\\"]+\.tar\.gz$/);
  });

  it("reads the fields install.sh reads for the embedded interpreter and DEST", () => {
    // install.sh reads them with sed: the python block's path and sha256, target.python and app.name.
    expect(sh).toContain(`"path": "\\(python\\/[^"/]*\\.tar\\.gz\\)",$`);
    expect(sh).toContain(`"sha256": "\\([0-9a-f]\\{64\\}\\)",$`);
    expect(sh).toContain(`"python"[[:space:]]*:[[:space:]]*"\\([0-9][0-9]*\\.[0-9][0-9]*\\)`);
    expect(sh).toContain(`"name": "\\(.*\\)",$`);
    for (const f of ["python.path", "python.sha256", "target.python", "app.name"]) expect(ps1Fields).toContain(f);
    // The same shape check on the path and the digest.
    expect(ps1).toContain(`-notmatch '^python/[^/\\\\"]+\\.tar\\.gz$'`);
    expect(ps1).toContain(`-cnotmatch '^[0-9a-f]{64}$'`);
  });

  it("takes the same options as install.sh, also spelled the PowerShell way", () => {
    for (const opt of ["--python", "--python=", "--system-python", "--check", "--json"]) expect(sh).toContain(opt);
    for (const opt of ["'--python'", "'--python='", "'--system-python'", "'--check'", "'--json'", "'-Python'", "'-SystemPython'"]) expect(ps1).toContain(opt);
  });

  it("checks the archive with Get-FileHash before tar.exe unpacks it, beside DEST where install.sh puts it", () => {
    const hash = ps1.indexOf("Get-FileHash -Algorithm SHA256 -LiteralPath $archive");
    const mismatch = ps1.indexOf(`does not match manifest.json (sha256 expected $embeddedSha, found $found)`);
    const unpack = ps1.indexOf("& $tar -xzf $archive -C $tmp");
    expect(hash).toBeGreaterThan(0);
    expect(mismatch).toBeGreaterThan(hash);
    expect(unpack).toBeGreaterThan(mismatch);
    // install.sh: "$parent/.$base.python/<first 16 hex digits>"; install.ps1 the same.
    expect(sh).toContain(`home="$parent/.$base.python/$(printf '%s' "$embedded_sha" | cut -c1-16)"`);
    expect(ps1).toContain(`Join-Path (Join-Path $parent ".$base.python") $embeddedSha.Substring(0, 16)`);
    expect(ps1).toContain("'.wheelbarrow-sha256'");
    expect(sh).toContain("/.wheelbarrow-sha256");
    // The same error texts as install.sh for a damaged or missing archive.
    expect(sh).toContain(`fail E_BUNDLE "$embedded does not match manifest.json (sha256 expected $embedded_sha, found $found)"`);
    expect(sh).toContain(`fail E_BUNDLE "$embedded is missing from the bundle"`);
    expect(ps1).toContain(`Fail 'E_BUNDLE' "$embedded is missing from the bundle"`);
  });

  it("never assigns PowerShell's read-only automatic variables", () => {
    // $home, $args, $input, $PID, $host are PowerShell's own; assigning one fails or misbehaves.
    for (const v of ["home", "args", "input", "pid", "host", "error", "matches"]) expect(ps1).not.toMatch(new RegExp(`\\$${v}\\s*=[^=]`, "i"));
  });

  it.skipIf(!pwsh)("PowerShell's parser accepts it (pwsh on PATH)", () => {
    const out = execFileSync("pwsh", ["-NoProfile", "-Command", `$e = $null; [void][System.Management.Automation.Language.Parser]::ParseFile('${new URL("../../src/installer/install.ps1", import.meta.url).pathname}', [ref]$null, [ref]$e); $e.Count`], { encoding: "utf8" });
    expect(out.trim()).toBe("0");
  });
});
