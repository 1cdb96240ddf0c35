/**
 * What the core tells the user while it works, as events. The core never writes to a terminal;
 * the CLI draws these (src/cli/progress.ts: bars on a TTY, plain lines otherwise), tests record
 * them. Messages passed here are already redacted. A shared model type: any layer may import it.
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
