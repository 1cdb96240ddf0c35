/**
 * Runs the real CLI (bin/wheelbarrow.js, from the TypeScript sources) in a child process, as a
 * user would: a crash anywhere (an uncaught assertion in a dependency) is a failed run with its
 * exit code and stderr, not something the test runner might swallow.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";

export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
}

const ROOT = resolve(import.meta.dirname, "../..");

export function runCliProcess(args: string[], env: Record<string, string> = {}): Promise<ChildResult> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [resolve(ROOT, "bin/wheelbarrow.js"), ...args],
      { cwd: ROOT, env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", WHEELBARROW_FROM_SOURCE: "1", ...env }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
