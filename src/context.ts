/**
 * What a command may touch of the outside world, passed in explicitly (docs/architecture.md):
 * nothing below the CLI reads process.env, process.cwd() or writes to process.stdout itself.
 */
import type { Reporter } from "./model/reporter.js";

export interface Output {
  write(text: string): void;
  isTTY: boolean;
}

export interface Context {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Data only (`--json` documents, tables the user asked for). */
  stdout: Output;
  /** Logs, warnings, progress. */
  stderr: Output;
  /** Current time; tests pin it. */
  now: () => Date;
  /** Draws progress and logs (the CLI supplies bars/lines on stderr); absent = warnings only. */
  makeReporter?: (o: { progress: boolean; quiet: boolean; verbose: boolean }) => Reporter;
}

export function processContext(): Context {
  return {
    cwd: process.cwd(),
    env: { ...process.env },
    stdout: { write: (t) => void process.stdout.write(t), isTTY: Boolean(process.stdout.isTTY) },
    stderr: { write: (t) => void process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY) },
    now: () => new Date(),
  };
}
