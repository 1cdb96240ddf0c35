/**
 * What the core tells the user while it works, as events. The core never writes to a terminal;
 * the CLI draws these (src/cli/progress.ts: bars on a TTY, plain lines otherwise), tests record
 * them. Messages passed here are already redacted.
 */

export interface Reporter {
  /** A batch of downloads begins: how many files, and their total size when every size is known. */
  start(info: { files: number; bytes?: number }): void;
  fileStart(id: string, info: { filename: string; size?: number }): void;
  /** Bytes of this file received so far (absolute, not a delta). */
  fileProgress(id: string, bytes: number): void;
  /** `cached`: served from the cache without a download. */
  fileDone(id: string, info: { filename: string; bytes: number; cached: boolean }): void;
  /** The batch is over (success or failure). */
  finish(): void;
  log(message: string): void;
  warn(message: string): void;
  /** Detail shown with --verbose (retries, redirects, resumes). */
  debug(message: string): void;
}

export const silentReporter: Reporter = {
  start: () => undefined,
  fileStart: () => undefined,
  fileProgress: () => undefined,
  fileDone: () => undefined,
  finish: () => undefined,
  log: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
};

export type ReporterEvent =
  | { type: "start"; files: number; bytes?: number }
  | { type: "file-start"; id: string; filename: string; size?: number }
  | { type: "file-progress"; id: string; bytes: number }
  | { type: "file-done"; id: string; filename: string; bytes: number; cached: boolean }
  | { type: "finish" }
  | { type: "log" | "warn" | "debug"; message: string };

/** Records every event (tests, and `--json` runs that want a log). */
export class RecordingReporter implements Reporter {
  readonly events: ReporterEvent[] = [];
  start(info: { files: number; bytes?: number }): void {
    this.events.push({ type: "start", ...info });
  }
  fileStart(id: string, info: { filename: string; size?: number }): void {
    this.events.push({ type: "file-start", id, ...info });
  }
  fileProgress(id: string, bytes: number): void {
    this.events.push({ type: "file-progress", id, bytes });
  }
  fileDone(id: string, info: { filename: string; bytes: number; cached: boolean }): void {
    this.events.push({ type: "file-done", id, ...info });
  }
  finish(): void {
    this.events.push({ type: "finish" });
  }
  log(message: string): void {
    this.events.push({ type: "log", message });
  }
  warn(message: string): void {
    this.events.push({ type: "warn", message });
  }
  debug(message: string): void {
    this.events.push({ type: "debug", message });
  }
  messages(type: "log" | "warn" | "debug"): string[] {
    return this.events.flatMap((e) => (e.type === type ? [e.message] : []));
  }
}
