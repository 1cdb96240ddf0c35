/**
 * `inspect`, `diff` and `verify` through the CLI on a bundle whose manifest and file names were
 * tampered with to carry terminal escape sequences (an OSC 8 hyperlink, a clear-screen CSI, a C1
 * CSI): nothing reaches stdout or stderr raw; the sequences are shown escaped (`\x1b`).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BundleResult } from "../../src/bundle/write-bundle.js";
import { runCli } from "../helpers/run-cli.js";
import { bundleInput, makeInstallerDir, makePackages, removeTempDirs, tempDir } from "../bundle/helpers.js";
import { writeBundle } from "../helpers/bundle-api.js";

const OSC8 = "\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07";
const CLEAR = "\x1b[2J";
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

let root: string;
let clean: BundleResult;
let evil: string;

beforeAll(async () => {
  root = tempDir("wb-cmd-term-");
  const packages = await makePackages(join(root, "cache"));
  const installerDir = makeInstallerDir(root);
  clean = await writeBundle(bundleInput({ packages, installerDir, format: "dir", outDir: join(root, "clean") }));
  const tampered = await writeBundle(bundleInput({ packages, installerDir, format: "dir", outDir: join(root, "evil") }));
  evil = tampered.path;
  const mPath = join(evil, "manifest.json");
  const m = JSON.parse(readFileSync(mPath, "utf8")) as { app: { name: string; version: string }; packages: { name: string; index: string; version: string }[]; files: { path: string; sha256: string; size: number }[] };
  m.app.name = `shop${OSC8}`;
  m.app.version = `2.3.0${CLEAR}`;
  m.packages[0]!.index = `https://pypi.org/simple/${CLEAR}`;
  m.packages[0]!.version = `9.9\u009b31m`;
  m.packages[1]!.name = `evil${CLEAR}\nOK forged line`;
  m.files.push({ path: `app/y${CLEAR}.py`, sha256: "0".repeat(64), size: 1 });
  writeFileSync(mPath, JSON.stringify(m, null, 2));
  mkdirSync(join(evil, "app"), { recursive: true });
  writeFileSync(join(evil, "app", `x${CLEAR}\x1b]8;;evil\x07.py`), "print(1)\n");
});
afterAll(removeTempDirs);

function expectNoRawControls(where: string, text: string): void {
  const m = RAW.exec(text);
  expect(m, `${where} has a raw control character ${JSON.stringify(m?.[0])} at ${m?.index}: ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 40), (m?.index ?? 0) + 40))}`).toBeNull();
}

describe("no escape sequence from a bundle reaches the terminal", () => {
  it("inspect shows the tampered manifest's strings escaped", async () => {
    const r = await runCli(["inspect", evil]);
    expect(r.code).toBe(0);
    expectNoRawControls("inspect stdout", r.stdout);
    expect(r.stdout).toContain("shop\\x1b]8;;https://evil.example/\\x07click me\\x1b]8;;\\x07 2.3.0\\x1b[2J");
    expect(r.stdout).toContain("https://pypi.org/simple/\\x1b[2J");
    expect(r.stdout).toContain("9.9\\x9b31m");
    expect(r.stdout).toContain("evil\\x1b[2J\\x0aOK forged line");
    expect(r.stdout).not.toMatch(/^OK forged line/m);
    const j = await runCli(["inspect", evil, "--json"]);
    expect(j.code).toBe(0);
    expectNoRawControls("inspect --json", j.stdout);
    expect((JSON.parse(j.stdout) as { app: { name: string } }).app.name).toBe(`shop${OSC8}`);
  });

  it("diff shows them escaped", async () => {
    for (const args of [["diff", clean.path, evil], ["diff", evil, clean.path, "--json"]]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expectNoRawControls(args.join(" "), r.stdout + r.stderr);
    }
    const r = await runCli(["diff", clean.path, evil]);
    expect(r.stdout).toContain("(shop\\x1b]8;;https://evil.example/\\x07click me\\x1b]8;;\\x07 2.3.0\\x1b[2J,");
    expect(r.stdout).toContain("  added  app/y\\x1b[2J.py");
  });

  it("verify names the tampered files escaped, on stderr and in --json", async () => {
    const r = await runCli(["verify", evil]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_BUNDLE\]: /);
    expectNoRawControls("verify stderr", r.stderr);
    expect(r.stderr).toContain("app/x\\x1b[2J\\x1b]8;;evil\\x07.py: unexpected file");
    expect(r.stderr).toContain("app/y\\x1b[2J.py: missing (listed in manifest.json)");
    expect(r.stderr).not.toMatch(/^OK forged line/m);
    const j = await runCli(["verify", evil, "--json"]);
    expect(j.code).toBe(1);
    expectNoRawControls("verify --json stdout", j.stdout);
    expectNoRawControls("verify --json stderr", j.stderr);
    expect((JSON.parse(j.stdout) as { ok: boolean }).ok).toBe(false);
  });
});
