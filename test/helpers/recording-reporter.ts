/** A Reporter (src/model/reporter.ts) that records every progress event and message, in order. */
import type { DownloadProgress, Logger, Reporter } from "../../src/model/reporter.js";

export type ReporterEvent =
  | { type: "start"; files: number; bytes?: number }
  | { type: "file-start"; id: string; filename: string; size?: number }
  | { type: "file-progress"; id: string; bytes: number }
  | { type: "file-done"; id: string; filename: string; bytes: number; cached: boolean }
  | { type: "finish" }
  | { type: "info" | "warn" | "verbose"; message: string };

export class RecordingReporter implements Reporter {
  readonly events: ReporterEvent[] = [];
  readonly progress: DownloadProgress = {
    start: (info) => void this.events.push({ type: "start", ...info }),
    fileStart: (id, info) => void this.events.push({ type: "file-start", id, ...info }),
    fileProgress: (id, bytes) => void this.events.push({ type: "file-progress", id, bytes }),
    fileDone: (id, info) => void this.events.push({ type: "file-done", id, ...info }),
    finish: () => void this.events.push({ type: "finish" }),
  };
  readonly log: Logger = {
    info: (message) => void this.events.push({ type: "info", message }),
    warn: (message) => void this.events.push({ type: "warn", message }),
    verbose: (message) => void this.events.push({ type: "verbose", message }),
  };
  messages(type: "info" | "warn" | "verbose"): string[] {
    return this.events.flatMap((e) => (e.type === type ? [e.message] : []));
  }
}
