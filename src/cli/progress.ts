/**
 * Draws download progress and log messages (src/model/reporter.ts) on stderr (never stdout:
 * stdout carries only `--json` data). One drawer serves both halves, so a message written while
 * bars are on screen goes above them instead of through them.
 *
 * - On a TTY (and without --no-progress / --quiet): cli-progress bars, one total bar (bytes,
 *   rate, ETA) and one bar per file in flight, removed when the file is done. No colours are
 *   used at all, so NO_COLOR holds by construction.
 * - Otherwise: plain lines (one per downloaded file and a summary), which CI logs keep readable.
 * - --quiet: warnings only. --verbose: debug lines and cached files too.
 * - File names, URLs and messages come from indexes: every control character is escaped
 *   (src/text/terminal-safe.ts) before it reaches the terminal, so a hostile index cannot move
 *   the cursor, clear the screen or plant a hyperlink.
 *
 * Downloads can also happen outside a batch: while planning, a wheel whose METADATA the index
 * offers neither as a sidecar nor by Range is downloaded whole into the cache. Those show like any
 * other download (a bar on a TTY, a line otherwise) as they happen, and when the batch later finds
 * them in the cache they count in its summary as downloaded in this run, not as cache hits.
 */
import type cliProgress from "cli-progress";
import { createRequire } from "node:module";
import type { Output } from "../context.js";
import type { DownloadProgress, Logger, Reporter } from "../model/reporter.js";
import { terminalSafe, terminalSafeText } from "../text/terminal-safe.js";
import { formatBytes as formatSize } from "../util/format-bytes.js";

/** IEC units for transfers: 3.5 KiB, 183 MiB. */
export const formatBytes = (n: number): string => formatSize(n, 1024);

export interface ProgressOptions {
  stderr: Output;
  /** False with --no-progress. */
  progress: boolean;
  quiet: boolean;
  verbose: boolean;
  /** Terminal width when known (tests fix it). */
  columns?: number;
  now?: () => number;
}


function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

function bar(progress: number, width: number): string {
  const full = Math.max(0, Math.min(width, Math.round(progress * width)));
  return "#".repeat(full) + "-".repeat(width - full);
}

export function createReporter(o: ProgressOptions): Reporter {
  const r = o.stderr.isTTY && o.progress && !o.quiet ? new BarReporter(o) : new LineReporter(o);
  return { progress: r, log: r };
}

abstract class BaseReporter implements DownloadProgress, Logger {
  protected files = 0;
  protected totalBytes?: number;
  protected doneBytes = 0;
  protected downloaded = 0;
  protected cachedFiles = 0;
  protected startedAt = 0;
  protected inBatch = false;
  /** Files downloaded in this run outside a batch (while planning), by id, with their size. */
  protected readonly early = new Map<string, number>();
  /** When the first download outside a batch began. */
  protected earlyStartedAt?: number;
  protected readonly now: () => number;

  constructor(protected readonly o: ProgressOptions) {
    this.now = o.now ?? Date.now;
  }

  protected line(s: string): void {
    this.o.stderr.write(s + "\n");
  }
  start(info: { files: number; bytes?: number }): void {
    this.files = info.files;
    this.totalBytes = info.bytes;
    this.doneBytes = 0;
    this.downloaded = 0;
    this.cachedFiles = 0;
    this.startedAt = this.early.size && this.earlyStartedAt !== undefined ? this.earlyStartedAt : this.now();
    this.inBatch = true;
  }
  /** Call from fileStart: notes when downloads outside a batch began. */
  protected noteStart(): void {
    if (!this.inBatch) this.earlyStartedAt ??= this.now();
  }
  /**
   * Counts a finished file; returns what to show: "downloaded" (a new download), "cached" (a
   * cache hit from an earlier run), or "earlier" (downloaded earlier in this run, shown then).
   */
  protected count(id: string, info: { bytes: number; cached: boolean }): "downloaded" | "cached" | "earlier" {
    if (!this.inBatch) {
      if (!info.cached) this.early.set(id, info.bytes);
      return info.cached ? "cached" : "downloaded";
    }
    const kind = !info.cached ? "downloaded" : this.early.has(id) ? "earlier" : "cached";
    if (kind === "cached") this.cachedFiles++;
    else {
      this.downloaded++;
      this.doneBytes += info.bytes;
    }
    return kind;
  }
  protected endBatch(): void {
    this.inBatch = false;
  }
  abstract fileStart(id: string, info: { filename: string; size?: number }): void;
  abstract fileProgress(id: string, bytes: number): void;
  abstract fileDone(id: string, info: { filename: string; bytes: number; cached: boolean }): void;
  abstract finish(): void;
  info(message: string): void {
    if (!this.o.quiet) this.line(terminalSafeText(message));
  }
  warn(message: string): void {
    this.line(`warning: ${terminalSafeText(message)}`);
  }
  verbose(message: string): void {
    if (this.o.verbose && !this.o.quiet) this.line(`debug: ${terminalSafeText(message)}`);
  }
  protected summary(): string | null {
    if (this.files === 0) return null;
    const secs = Math.max(0.001, (this.now() - this.startedAt) / 1000);
    const parts = [`${this.downloaded} downloaded (${formatBytes(this.doneBytes)} in ${secs.toFixed(1)} s, ${formatBytes(this.doneBytes / secs)}/s)`];
    if (this.cachedFiles) parts.push(`${this.cachedFiles} from the cache`);
    return `${this.files} file${this.files === 1 ? "" : "s"}: ${parts.join(", ")}`;
  }
}

class LineReporter extends BaseReporter {
  override start(info: { files: number; bytes?: number }): void {
    super.start(info);
    const early = this.early.size ? `; ${this.early.size} downloaded while planning` : "";
    if (!this.o.quiet && info.files > 0) this.line(`fetching ${info.files} file${info.files === 1 ? "" : "s"}${info.bytes !== undefined ? ` (${formatBytes(info.bytes)}${early})` : early ? ` (${early.slice(2)})` : ""}`);
  }
  fileStart(): void {
    this.noteStart();
  }
  fileProgress(): void {}
  fileDone(id: string, info: { filename: string; bytes: number; cached: boolean }): void {
    const kind = this.count(id, info);
    if (kind === "cached") {
      if (this.o.verbose && !this.o.quiet) this.line(`cached ${terminalSafe(info.filename)}`);
    } else if (kind === "downloaded" && !this.o.quiet) {
      this.line(`downloaded ${terminalSafe(info.filename)} (${formatBytes(info.bytes)})`);
    }
  }
  finish(): void {
    this.endBatch();
    const s = this.summary();
    if (s && !this.o.quiet) this.line(s);
  }
}

/** cli-progress, loaded when the first bar opens: a run without bars (no TTY, --no-progress, --quiet) never loads it. */
let barLibrary: typeof cliProgress | null = null;
function barLib(): typeof cliProgress {
  barLibrary ??= createRequire(import.meta.url)("cli-progress") as typeof cliProgress;
  return barLibrary;
}

interface Payload {
  label: string;
  text: string;
}

class BarReporter extends BaseReporter {
  private multi: cliProgress.MultiBar | null = null;
  private total: cliProgress.SingleBar | null = null;
  private readonly bars = new Map<string, { bar: cliProgress.SingleBar; bytes: number }>();
  private inFlight = 0;

  private stream() {
    const out = this.o.stderr;
    return { write: (s: string) => (out.write(s), true), isTTY: true, columns: this.o.columns ?? 100, on: () => undefined, removeListener: () => undefined };
  }

  override start(info: { files: number; bytes?: number }): void {
    this.stopBars();
    super.start(info);
    this.cachedBytes = 0;
    if (info.files === 0) return;
    this.openBars(info.bytes ?? info.files);
    this.refreshTotal();
  }

  private openBars(total: number): void {
    this.multi = new (barLib().MultiBar)({
      stream: this.stream() as unknown as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
      fps: 10,
      autopadding: true,
      format: (_opts: unknown, params: { progress: number }, payload: Payload) => `${payload.label} [${bar(params.progress, 24)}] ${payload.text}`,
    });
    this.total = this.multi.create(total, 0, { label: "total".padEnd(28), text: "" });
  }

  private transferred(): number {
    let n = this.doneBytes;
    for (const b of this.bars.values()) n += b.bytes;
    return n;
  }

  private refreshTotal(): void {
    if (!this.total) return;
    if (!this.inBatch) {
      // Downloads while planning: how many files and bytes so far, the total is not known yet.
      const secs = Math.max(0.001, (this.now() - (this.earlyStartedAt ?? this.now())) / 1000);
      let got = 0;
      for (const n of this.early.values()) got += n;
      for (const b of this.bars.values()) got += b.bytes;
      this.total.update(0, { label: "planning".padEnd(28), text: `${this.early.size} downloaded ${formatBytes(got)} ${formatBytes(got / secs)}/s` });
      return;
    }
    const secs = Math.max(0.001, (this.now() - this.startedAt) / 1000);
    const got = this.transferred();
    const rate = got / secs;
    const done = this.downloaded + this.cachedFiles;
    if (this.totalBytes !== undefined) {
      const eta = rate > 0 ? (this.totalBytes - got - this.cachedBytes) / rate : Infinity;
      this.total.update(got + this.cachedBytes, { label: "total".padEnd(28), text: `${formatBytes(got + this.cachedBytes)}/${formatBytes(this.totalBytes)} ${formatBytes(rate)}/s ETA ${formatEta(eta)} (${done}/${this.files} files)` });
    } else {
      this.total.update(done, { label: "total".padEnd(28), text: `${done}/${this.files} files ${formatBytes(got)} ${formatBytes(rate)}/s` });
    }
  }

  private cachedBytes = 0;

  fileStart(id: string, info: { filename: string; size?: number }): void {
    this.noteStart();
    if (!this.multi && !this.inBatch) this.openBars(1);
    if (!this.multi) return;
    const name = terminalSafe(info.filename);
    const label = name.length > 28 ? name.slice(0, 27) + "…" : name.padEnd(28);
    const b = this.multi.create(info.size ?? 1, 0, { label, text: "" });
    this.bars.set(id, { bar: b, bytes: 0 });
    this.inFlight++;
  }

  fileProgress(id: string, bytes: number): void {
    const b = this.bars.get(id);
    if (!b) return;
    b.bytes = bytes;
    const total = b.bar.getTotal();
    b.bar.update(total > 1 ? Math.min(bytes, total) : 0, { text: total > 1 ? `${formatBytes(bytes)}/${formatBytes(total)}` : formatBytes(bytes) });
    this.refreshTotal();
  }

  fileDone(id: string, info: { filename: string; bytes: number; cached: boolean }): void {
    const b = this.bars.get(id);
    if (b) {
      this.multi?.remove(b.bar);
      this.bars.delete(id);
      this.inFlight--;
    }
    if (this.count(id, info) === "cached") this.cachedBytes += info.bytes;
    this.refreshTotal();
    // Bars opened for downloads while planning close when none is in flight any more.
    if (!this.inBatch && this.inFlight === 0) this.stopBars();
  }

  private stopBars(): void {
    // stop() drops log lines not yet drawn; a last update() flushes them.
    this.multi?.update();
    this.multi?.stop();
    this.multi = null;
    this.total = null;
    this.bars.clear();
    this.inFlight = 0;
  }

  finish(): void {
    this.stopBars();
    this.endBatch();
    const s = this.summary();
    if (s) this.line(s);
  }

  override info(message: string): void {
    if (this.multi) this.multi.log(terminalSafeText(message) + "\n");
    else super.info(message);
  }
  override warn(message: string): void {
    if (this.multi) this.multi.log(`warning: ${terminalSafeText(message)}\n`);
    else super.warn(message);
  }
  override verbose(message: string): void {
    if (!this.o.verbose) return;
    if (this.multi) this.multi.log(`debug: ${terminalSafeText(message)}\n`);
    else super.verbose(message);
  }
}
