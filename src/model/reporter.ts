/**
 * What the core tells the user while it works, in two parts: download progress as events, and a
 * logger for messages. The core never writes to a terminal; the CLI draws both
 * (src/cli/progress.ts: bars on a TTY, plain lines otherwise), tests record them
 * (test/helpers/recording-reporter.ts). Messages and file names passed here are already redacted; the CLI
 * escapes them for the terminal. A shared model type: any layer may import it.
 */

/**
 * Download progress. A batch (`start` ... `finish`) is the bundle's downloads; files may also be
 * downloaded outside a batch, while planning (a wheel whose METADATA the index offers neither as a
 * sidecar nor by Range): their `fileStart`/`fileProgress`/`fileDone` come before any `start`.
 */
export interface DownloadProgress {
  /** A batch of downloads begins: how many files, and their total size when every size is known. */
  start(info: { files: number; bytes?: number }): void;
  fileStart(id: string, info: { filename: string; size?: number }): void;
  /** Bytes of this file received so far (absolute, not a delta). */
  fileProgress(id: string, bytes: number): void;
  /** `cached`: served from the cache without a download. */
  fileDone(id: string, info: { filename: string; bytes: number; cached: boolean }): void;
  /** The batch is over (success or failure). */
  finish(): void;
}

/** Messages for the user; --quiet keeps only warnings, --verbose adds the verbose ones. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Detail shown with --verbose (retries, redirects, resumes, which source served a project). */
  verbose(message: string): void;
}

export interface Reporter {
  progress: DownloadProgress;
  log: Logger;
}
