/**
 * Each command's module is imported when that command runs (src/cli/commands.ts), and the
 * progress-bar library when a bar opens (src/cli/progress.ts): a run loads only what its command
 * needs (docs/architecture.md, "Memory"). Checked on the packages a real CLI process loaded.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "wb-lazy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function loadedBy(args: string[]): { status: number | null; packages: string[] } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--import", join(here, "loaded-packages.ts"), join(repo, "bin", "wheelbarrow.js"), ...args], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, WHEELBARROW_FROM_SOURCE: "1" },
    timeout: 60_000,
  });
  const line = /^loaded-packages: (.*)$/m.exec(r.stderr);
  if (!line) throw new Error(`no package list from the child (exit ${r.status}):\n${r.stderr}`);
  return { status: r.status, packages: line[1]!.split(" ").filter(Boolean) };
}

describe("a run loads only what its command needs", () => {
  it("--version loads no command: no SBOM library, HTTP client, zip or tar library, no progress bars", () => {
    const r = loadedBy(["--version"]);
    expect(r.status).toBe(0);
    expect(r.packages).toContain("commander");
    for (const heavy of ["@cyclonedx/cyclonedx-library", "undici", "yauzl", "yazl", "tar", "cli-progress"]) expect(r.packages).not.toContain(heavy);
  });

  it("inspect loads the bundle reader but not the SBOM library, the HTTP client or the archive writers", () => {
    const r = loadedBy(["inspect", join(dir, "no-such-bundle.tar.gz")]);
    expect(r.status).toBe(1);
    expect(r.packages).toContain("yauzl");
    for (const heavy of ["@cyclonedx/cyclonedx-library", "undici", "yazl", "cli-progress"]) expect(r.packages).not.toContain(heavy);
  });

  it("bundle loads the SBOM library and the HTTP client once it runs (without a TTY, no progress bars)", () => {
    const r = loadedBy(["bundle", "-r", join(dir, "no-such-requirements.txt"), "--target", "linux-x86_64@3.11", "--out", join(dir, "out")]);
    expect(r.status).toBe(1);
    expect(r.packages).toEqual(expect.arrayContaining(["@cyclonedx/cyclonedx-library", "undici"]));
    expect(r.packages).not.toContain("cli-progress");
  });
});
