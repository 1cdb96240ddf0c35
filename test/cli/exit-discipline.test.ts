/**
 * One exit discipline: every failure of every command is `error[E_CODE]` on stderr and exit 1,
 * with --json also exactly one `{"ok": false, "error": {...}}` document on stdout; anything
 * unexpected (a thrown bug, an assertion inside a dependency's event handler, a rejected promise
 * nobody awaited) is E_INTERNAL and exit 2, without a raw stack unless --verbose.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { reportError } from "../../src/cli/main.js";
import { ERROR_CODES } from "../../src/errors.js";
import { runCli } from "../helpers/run-cli.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "wb-exit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function oneJsonDocument(stdout: string): { ok: boolean; error: { code: string; message: string; hints: string[] } } {
  // JSON.parse fails on a second document or on stray text
  return JSON.parse(stdout) as { ok: boolean; error: { code: string; message: string; hints: string[] } };
}

const reqFile = join(dir, "req.txt");
writeFileSync(reqFile, "six==1.0\n");
mkdirSync(join(dir, "empty-index"));

const failures: { name: string; args: string[]; code: string }[] = [
  { name: "bundle without a target", args: ["bundle", "-r", reqFile], code: "E_USAGE" },
  { name: "bundle of a project no index has", args: ["bundle", "-r", reqFile, "--target", "linux-x86_64@3.11", "--index-url", pathToFileURL(join(dir, "empty-index")).href, "--cache-dir", join(dir, "c1"), "--out", join(dir, "o1")], code: "E_NO_SUCH_PACKAGE" },
  { name: "lock of a project no index has", args: ["lock", "-r", reqFile, "--target", "linux-x86_64@3.11", "--index-url", pathToFileURL(join(dir, "empty-index")).href, "--cache-dir", join(dir, "c1"), "--out", join(dir, "o1.toml")], code: "E_NO_SUCH_PACKAGE" },
  { name: "lock without requirements", args: ["lock", "--target", "linux-x86_64@3.11"], code: "E_USAGE" },
  { name: "lock with a missing requirements file", args: ["lock", "-r", join(dir, "nope.txt"), "--target", "linux-x86_64@3.11"], code: "E_REQUIREMENTS" },
  { name: "verify of a missing bundle", args: ["verify", join(dir, "nope.tar.gz")], code: "E_USAGE" },
  { name: "inspect of a missing bundle", args: ["inspect", join(dir, "nope.tar.gz")], code: "E_USAGE" },
  { name: "diff of missing bundles", args: ["diff", join(dir, "a.tar.gz"), join(dir, "b.tar.gz")], code: "E_USAGE" },
  { name: "targets with a bad target", args: ["targets", "linux-sparc@3.11"], code: "E_USAGE" },
  { name: "an unknown option (commander)", args: ["bundle", "--frobnicate"], code: "E_USAGE" },
  { name: "an unknown command (commander)", args: ["bundel"], code: "E_USAGE" },
  { name: "a bad --jobs", args: ["lock", "-r", reqFile, "--target", "linux-x86_64@3.11", "--jobs", "0"], code: "E_USAGE" },
];

describe("--json failures", () => {
  for (const f of failures) {
    it(`${f.name}: exit 1, error[${f.code}] on stderr, one JSON document on stdout`, async () => {
      const r = await runCli([...f.args, "--json"], { cwd: dir, env: { WHEELBARROW_CACHE_DIR: join(dir, "cache") } });
      expect(r.code).toBe(1);
      const doc = oneJsonDocument(r.stdout);
      expect(doc.ok).toBe(false);
      expect(doc.error.code).toBe(f.code);
      expect(typeof doc.error.message).toBe("string");
      expect(Array.isArray(doc.error.hints)).toBe(true);
      expect(r.stderr).toContain(`error[${f.code}]: ${doc.error.message}`);
      // without --json, stdout stays empty
      const plain = await runCli(f.args, { cwd: dir, env: { WHEELBARROW_CACHE_DIR: join(dir, "cache") } });
      expect(plain.code).toBe(1);
      expect(plain.stdout).toBe("");
    });
  }

  it("through the real bin: lock --json with nothing to lock exits 1 with one document", () => {
    const r = spawnSync(process.execPath, [join(repo, "bin", "wheelbarrow.js"), "lock", "--json", "--target", "linux-x86_64@3.11"], { cwd: dir, encoding: "utf8", env: { ...process.env, WHEELBARROW_FROM_SOURCE: "1" } });
    expect(r.status).toBe(1);
    expect(oneJsonDocument(r.stdout).error.code).toBe("E_USAGE");
  });
});

describe("internal errors", () => {
  it("a plain Error reaching the exit point is E_INTERNAL, exit 2, no stack unless --verbose", () => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx = { cwd: dir, env: {}, stdout: { write: (t: string) => void out.push(t), isTTY: false }, stderr: { write: (t: string) => void err.push(t), isTTY: false }, now: () => new Date() };
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(reportError(bug, ctx, { json: true, verbose: false })).toBe(2);
    expect(err.join("")).toMatch(/^error\[E_INTERNAL\]: Cannot read properties of undefined \(reading 'x'\) \(this is a bug in wheelbarrow; please report it\)\n/);
    expect(err.join("")).not.toMatch(/\n\s+at /);
    expect(oneJsonDocument(out.join("")).error.code).toBe("E_INTERNAL");
    err.length = 0;
    expect(reportError(bug, ctx, { json: false, verbose: true })).toBe(2);
    expect(err.join("")).toMatch(/\n\s+at /);
  });

  it("E_INTERNAL, E_NO_SPACE and E_INTERRUPTED are codes the README documents", async () => {
    const { readFileSync } = await import("node:fs");
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    for (const code of ["E_INTERNAL", "E_NO_SPACE", "E_INTERRUPTED"]) {
      expect(ERROR_CODES).toContain(code);
      expect(readme).toContain(`| \`${code}\` |`);
    }
  });

  for (const mode of ["throw", "reject"] as const) {
    it(`${mode === "throw" ? "an assertion thrown in an event handler" : "an unhandled rejection"} exits 2 with E_INTERNAL and removes the run's temp files`, () => {
      const base = join(dir, `crash-${mode}`);
      const run = (extra: string[]) =>
        spawnSync(process.execPath, ["--import", "tsx", join(here, "crash-child.ts"), mode, base, "bundle", ...extra], { cwd: repo, encoding: "utf8", timeout: 30_000 });
      const r = run(["--json"]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^error\[E_INTERNAL\]: .* \(this is a bug in wheelbarrow; please report it\)$/m);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(oneJsonDocument(r.stdout).error.code).toBe("E_INTERNAL");
      expect(readdirSync(dir).filter((n) => n.startsWith(`crash-${mode}.tmp-`))).toEqual([]);
      const v = run(["--verbose"]);
      expect(v.status).toBe(2);
      expect(v.stderr).toMatch(/\n\s+at /);
      expect(v.stdout).toBe("");
      expect(existsSync(base)).toBe(false);
    });
  }
});
