/** Runs the CLI in-process with a captured context: exit code, stdout and stderr as strings. */
import { main } from "../../src/cli/main.js";
import type { Context } from "../../src/context.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const ctx: Context = {
    cwd: opts.cwd ?? process.cwd(),
    env: { PATH: process.env["PATH"], HOME: process.env["HOME"], ...opts.env },
    stdout: { write: (t) => void (stdout += t), isTTY: false },
    stderr: { write: (t) => void (stderr += t), isTTY: false },
    now: () => new Date(),
  };
  const code = await main(args, ctx);
  return { code, stdout, stderr };
}
