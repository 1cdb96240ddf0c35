/**
 * Reporters that need no terminal: the silent one, and one that records every event (tests).
 * The interface is src/model/reporter.ts; the CLI's drawing one is src/cli/progress.ts.
 */
import type { Reporter } from "../model/reporter.js";

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
