import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ExcludeMatcher, builtinExcluded } from "../../src/bundle/exclude.js";
import { collectApp } from "../../src/bundle/app-source.js";
import { removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

// [patterns, path, isDir, excluded] — gitignore(5) semantics.
const CASES: [string[], string, boolean, boolean][] = [
  [["*.log"], "a.log", false, true],
  [["*.log"], "deep/er/a.log", false, true],
  [["*.log"], "a.log.txt", false, false],
  [["/notes.tmp"], "notes.tmp", false, true],
  [["/notes.tmp"], "sub/notes.tmp", false, false],
  [["build/"], "build", true, true],
  [["build/"], "build", false, false],
  [["build/"], "src/build", true, true],
  [["docs/*.md"], "docs/a.md", false, true],
  [["docs/*.md"], "docs/x/a.md", false, false],
  [["docs/*.md"], "x/docs/a.md", false, false],
  [["**/cache"], "cache", true, true],
  [["**/cache"], "a/b/cache", true, true],
  [["a/**/b"], "a/b", false, true],
  [["a/**/b"], "a/x/y/b", false, true],
  [["a/**/b"], "a/xb", false, false],
  [["logs/**"], "logs/x", false, true],
  [["logs/**"], "logs/x/y", false, true],
  [["logs/**"], "logs", true, false],
  [["*.txt", "!keep.txt"], "keep.txt", false, false],
  [["*.txt", "!keep.txt"], "other.txt", false, true],
  [["!keep.txt", "*.txt"], "keep.txt", false, true],
  [["file?.py"], "file1.py", false, true],
  [["file?.py"], "file10.py", false, false],
  [["[abc].py"], "a.py", false, true],
  [["[abc].py"], "d.py", false, false],
  [["[!abc].py"], "d.py", false, true],
  [["[!abc].py"], "a.py", false, false],
  [["[a-c]x"], "bx", false, true],
  [["\\#hash"], "#hash", false, true],
  [["#hash"], "#hash", false, false],
  [["foo\\*"], "foo*", false, true],
  [["foo\\*"], "foobar", false, false],
  [["a.txt   "], "a.txt", false, true],
  [["**"], "any/thing", false, true],
  [["*"], "a/b", false, true],
  [["a*b"], "a/b", false, false],
  [["data/seed.json"], "data/seed.json", false, true],
  [[""], "x", false, false],
];

describe("ExcludeMatcher", () => {
  test.each(CASES)("%j on %s (dir: %s) -> %s", (patterns, path, isDir, excluded) => {
    expect(new ExcludeMatcher(patterns).excludes(path, isDir)).toBe(excluded);
  });

  test("VCS, cache, virtualenv and bytecode names are excluded by default; look-alikes such as .env and gitignore are not", () => {
    for (const n of [".git", "__pycache__", "x.pyc", "y.pyo", ".venv", "venv", "node_modules", ".tox", ".mypy_cache", ".pytest_cache", ".DS_Store"]) expect(builtinExcluded(n), n).toBe(true);
    for (const n of ["env", "gitignore", ".gitignore", "pyc", "app.py", ".env"]) expect(builtinExcluded(n), n).toBe(false);
  });
});

describe("collectApp", () => {
  test("a file inside an excluded directory cannot be re-included; any dir with pyvenv.cfg is skipped", async () => {
    const app = join(tempDir(), "app");
    for (const [p, c] of Object.entries({ "data/seed.json": "{}", "data/x.csv": "1", "main.py": "", "tools/pyvenv.cfg": "", "tools/bin/python": "", "env/readme.txt": "not a venv" })) {
      mkdirSync(join(app, p, ".."), { recursive: true });
      writeFileSync(join(app, p), c);
    }
    const { files } = await collectApp(app, ["data/", "!data/seed.json"]);
    expect(files.map((f) => f.rel)).toEqual(["env/readme.txt", "main.py"]);
    expect(files[1]).toMatchObject({ rel: "main.py", size: 0, sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", executable: false });
  });

  test("--app that is not a directory, and names a bundle cannot carry", async () => {
    const root = tempDir();
    await expect(collectApp(join(root, "missing"), [])).rejects.toThrow(`--app ${join(root, "missing")} is not a directory`);
    const app = join(root, "app");
    mkdirSync(app);
    writeFileSync(join(app, "bad\\name.py"), "");
    await expect(collectApp(app, [])).rejects.toThrow("app file bad\\name.py: has a name with a backslash or a line break, which a bundle cannot carry");
    await expect(collectApp(app, ["bad*"])).resolves.toEqual({ files: [], withheld: [] });
  });
});

describe("secrets and modes", () => {
  test("secret-looking files are withheld (and listed for the warning) unless --include names them; modes are kept", async () => {
    const app = join(tempDir(), "app");
    const files: Record<string, [string, number]> = {
      ".env": ["SECRET=1", 0o600],
      "conf/.env": ["X=2", 0o644],
      "certs/server.pem": ["pem", 0o600],
      "certs/server.key": ["key", 0o600],
      "deploy/id_rsa": ["rsa", 0o600],
      "deploy/id_rsa.pub": ["pub", 0o644],
      ".netrc": ["machine x", 0o600],
      "settings_local.py": ["S = 1", 0o600],
      "run.sh": ["#!/bin/sh", 0o755],
      ".env.example": ["SECRET=", 0o644],
    };
    for (const [p, [c, mode]] of Object.entries(files)) {
      mkdirSync(join(app, p, ".."), { recursive: true });
      writeFileSync(join(app, p), c, { mode });
      chmodSync(join(app, p), mode);
    }
    const out = await collectApp(app, []);
    expect(out.withheld).toEqual([".env", ".netrc", "certs/server.key", "certs/server.pem", "conf/.env", "deploy/id_rsa", "deploy/id_rsa.pub"]);
    expect(out.files.map((f) => [f.rel, f.mode.toString(8)])).toEqual([
      [".env.example", "644"],
      ["run.sh", "755"],
      ["settings_local.py", "600"],
    ]);
    const included = await collectApp(app, [], ["certs/*.pem", "/.env"]);
    expect(included.files.map((f) => f.rel)).toEqual([".env", ".env.example", "certs/server.pem", "run.sh", "settings_local.py"]);
    expect(included.withheld).toEqual([".netrc", "certs/server.key", "conf/.env", "deploy/id_rsa", "deploy/id_rsa.pub"]);
  });
});
