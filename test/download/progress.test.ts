/**
 * The progress renderer (src/cli/progress.ts): plain lines when stderr is not a TTY, cli-progress
 * bars on a TTY, warnings only with --quiet. It is only ever given stderr.
 */
import { describe, expect, it } from "vitest";
import { createReporter, formatBytes } from "../../src/cli/progress.js";

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { out: { write: (t: string) => void chunks.push(t), isTTY }, text: () => chunks.join("") };
}

function drive(r: ReturnType<typeof createReporter>) {
  r.progress.start({ files: 2, bytes: 3 * 1024 * 1024 });
  r.progress.fileStart("a", { filename: "alpha-1.0-py3-none-any.whl", size: 2 * 1024 * 1024 });
  r.progress.fileProgress("a", 1024 * 1024);
  r.log.warn("demo 1.0 is yanked");
  r.progress.fileProgress("a", 2 * 1024 * 1024);
  r.progress.fileDone("a", { filename: "alpha-1.0-py3-none-any.whl", bytes: 2 * 1024 * 1024, cached: false });
  r.progress.fileDone("b", { filename: "beta-2.0-py3-none-any.whl", bytes: 1024 * 1024, cached: true });
  r.log.verbose("retrying x");
  r.progress.finish();
}

describe("progress", () => {
  it("progress sizes are IEC: B, then KiB/MiB with one decimal below 100 and none from 100 up", () => {
    expect([formatBytes(10), formatBytes(2048), formatBytes(5 * 1024 * 1024), formatBytes(300 * 1024 * 1024)]).toEqual(["10 B", "2.0 KiB", "5.0 MiB", "300 MiB"]);
  });

  it("plain lines when stderr is not a TTY", () => {
    let t = 1000;
    const s = sink(false);
    drive(createReporter({ stderr: s.out, progress: true, quiet: false, verbose: false, now: () => (t += 500) }));
    expect(s.text()).toBe(
      [
        "fetching 2 files (3.0 MiB)",
        "warning: demo 1.0 is yanked",
        "downloaded alpha-1.0-py3-none-any.whl (2.0 MiB)",
        "2 files: 1 downloaded (2.0 MiB in 0.5 s, 4.0 MiB/s), 1 from the cache",
        "",
      ].join("\n"),
    );
  });

  it("--verbose adds cached files and debug lines; --quiet keeps only warnings", () => {
    const v = sink(false);
    drive(createReporter({ stderr: v.out, progress: true, quiet: false, verbose: true }));
    expect(v.text()).toContain("cached beta-2.0-py3-none-any.whl\n");
    expect(v.text()).toContain("debug: retrying x\n");
    const q = sink(true);
    drive(createReporter({ stderr: q.out, progress: true, quiet: true, verbose: true }));
    expect(q.text()).toBe("warning: demo 1.0 is yanked\n");
  });

  it("bars on a TTY: per-file and total with size, rate and ETA; then a summary", async () => {
    const s = sink(true);
    const r = createReporter({ stderr: s.out, progress: true, quiet: false, verbose: false, columns: 120 });
    r.progress.start({ files: 2, bytes: 3 * 1024 * 1024 });
    r.progress.fileStart("a", { filename: "alpha-1.0-py3-none-any.whl", size: 2 * 1024 * 1024 });
    r.progress.fileProgress("a", 1024 * 1024);
    await new Promise((res) => setTimeout(res, 250)); // bars are redrawn on a timer (10 fps)
    const during = s.text();
    expect(during).toContain("\x1b[?25l"); // cursor hidden while drawing
    expect(during).toMatch(/total\s+\[#+-+\] 1\.0 MiB\/3\.0 MiB [0-9.]+ [KMG]?i?B\/s ETA /);
    expect(during).toMatch(/alpha-1\.0-py3-none-any\.whl\s+\[#{12}-{12}\] 1\.0 MiB\/2\.0 MiB/);
    r.log.warn("careful");
    r.progress.fileDone("a", { filename: "alpha-1.0-py3-none-any.whl", bytes: 2 * 1024 * 1024, cached: false });
    r.progress.finish();
    expect(s.text()).toContain("warning: careful\n");
    expect(s.text()).toMatch(/2 files: 1 downloaded \(2\.0 MiB in [0-9.]+ s, .*\/s\)\n$/);
  });

  it("--no-progress on a TTY gives plain lines", () => {
    const s = sink(true);
    drive(createReporter({ stderr: s.out, progress: false, quiet: false, verbose: false }));
    expect(s.text()).not.toContain("\x1b[");
    expect(s.text()).toContain("downloaded alpha-1.0-py3-none-any.whl (2.0 MiB)\n");
  });

  it("downloads while planning: a line each, then counted as downloaded (not cached) by the batch", () => {
    let t = 1000;
    const s = sink(false);
    const r = createReporter({ stderr: s.out, progress: true, quiet: false, verbose: false, now: () => (t += 250) });
    r.progress.fileStart("a", { filename: "alpha-1.0-py3-none-any.whl", size: 2 * 1024 * 1024 });
    r.progress.fileDone("a", { filename: "alpha-1.0-py3-none-any.whl", bytes: 2 * 1024 * 1024, cached: false });
    r.progress.start({ files: 2, bytes: 3 * 1024 * 1024 });
    r.progress.fileDone("a", { filename: "alpha-1.0-py3-none-any.whl", bytes: 2 * 1024 * 1024, cached: true });
    r.progress.fileDone("b", { filename: "beta-2.0-py3-none-any.whl", bytes: 1024 * 1024, cached: true });
    r.progress.finish();
    expect(s.text()).toBe(
      [
        "downloaded alpha-1.0-py3-none-any.whl (2.0 MiB)",
        "fetching 2 files (3.0 MiB; 1 downloaded while planning)",
        // timed from the first download of the run (t=1250), not the batch, to the summary (t=1500)
        "2 files: 1 downloaded (2.0 MiB in 0.3 s, 8.0 MiB/s), 1 from the cache",
        "",
      ].join("\n"),
    );
  });

  it("downloads while planning get bars on a TTY, closed when none is in flight", async () => {
    const s = sink(true);
    const r = createReporter({ stderr: s.out, progress: true, quiet: false, verbose: false, columns: 120 });
    r.progress.fileStart("a", { filename: "alpha-1.0-py3-none-any.whl", size: 2 * 1024 * 1024 });
    r.progress.fileProgress("a", 1024 * 1024);
    await new Promise((res) => setTimeout(res, 250));
    expect(s.text()).toMatch(/planning\s+\[-+\] 0 downloaded 1\.0 MiB /);
    expect(s.text()).toMatch(/alpha-1\.0-py3-none-any\.whl\s+\[#{12}-{12}\] 1\.0 MiB\/2\.0 MiB/);
    r.progress.fileDone("a", { filename: "alpha-1.0-py3-none-any.whl", bytes: 2 * 1024 * 1024, cached: false });
    expect(s.text()).toContain("\x1b[?25h"); // bars stopped, cursor shown again
    r.progress.start({ files: 1, bytes: 2 * 1024 * 1024 });
    r.progress.fileDone("a", { filename: "alpha-1.0-py3-none-any.whl", bytes: 2 * 1024 * 1024, cached: true });
    r.progress.finish();
    expect(s.text()).toMatch(/1 file: 1 downloaded \(2\.0 MiB in [0-9.]+ s, .*\/s\)\n$/);
  });

  it("index strings are escaped for the terminal: file names, URLs and messages show their control characters as \\x1b", async () => {
    const evilName = "evil\x1b[2J-1.0-py3-none-any.whl";
    const evilUrl = "https://idx.example/\x1b]8;;https://phish.example/\x07simple/";
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
    const lines = sink(false);
    const r = createReporter({ stderr: lines.out, progress: true, quiet: false, verbose: true });
    r.progress.start({ files: 2 });
    r.log.warn(`${evilUrl} serves a page\u009b31m it should not`);
    r.log.verbose(`demo: 1 file(s) from index-url (${evilUrl})`);
    r.log.info(`using ${evilUrl}`);
    r.progress.fileDone("a", { filename: evilName, bytes: 10, cached: false });
    r.progress.fileDone("b", { filename: evilName, bytes: 10, cached: true });
    r.progress.finish();
    expect(lines.text()).not.toMatch(raw);
    expect(lines.text()).toContain("warning: https://idx.example/\\x1b]8;;https://phish.example/\\x07simple/ serves a page\\x9b31m it should not\n");
    expect(lines.text()).toContain("downloaded evil\\x1b[2J-1.0-py3-none-any.whl (10 B)\n");
    expect(lines.text()).toContain("cached evil\\x1b[2J-1.0-py3-none-any.whl\n");
    expect(lines.text()).toContain("debug: demo: 1 file(s) from index-url (https://idx.example/\\x1b]8;;");
    expect(lines.text()).toContain("using https://idx.example/\\x1b]8;;");

    // On a TTY the bars' own escape sequences are there; the index's are not.
    const tty = sink(true);
    const b = createReporter({ stderr: tty.out, progress: true, quiet: false, verbose: true, columns: 120 });
    b.progress.start({ files: 1, bytes: 100 });
    b.progress.fileStart("a", { filename: evilName, size: 100 });
    b.progress.fileProgress("a", 50);
    b.log.warn(`${evilUrl} is slow`);
    await new Promise((res) => setTimeout(res, 250)); // bars are redrawn on a timer (10 fps)
    b.progress.fileDone("a", { filename: evilName, bytes: 100, cached: false });
    b.progress.finish();
    expect(tty.text()).not.toContain("\x1b[2J");
    expect(tty.text()).not.toContain("\x1b]8;;");
    expect(tty.text()).toContain("evil\\x1b[2J-1.0-py3");
    expect(tty.text()).toContain("warning: https://idx.example/\\x1b]8;;https://phish.example/\\x07simple/ is slow");
  });
});
