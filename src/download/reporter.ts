/**
 * The reporter that needs no terminal: the silent one (tests record with test/helpers/recording-reporter.ts).
 * The interfaces are src/model/reporter.ts; the CLI's drawing one is src/cli/progress.ts.
 */
import type { DownloadProgress, Logger, Reporter } from "../model/reporter.js";

export const silentProgress: DownloadProgress = {
  start: () => undefined,
  fileStart: () => undefined,
  fileProgress: () => undefined,
  fileDone: () => undefined,
  finish: () => undefined,
};

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  verbose: () => undefined,
};

export const silentReporter: Reporter = { progress: silentProgress, log: silentLogger };
