/**
 * The wheel check's verdict kept in the cache (wheel-checks-v1/, docs/cache.md): a wheel that
 * passed is not opened again by a later run (a new WheelChecks stands for a new process), unless
 * the check's version changed, the file name differs, or the run re-checks (--verify-cache). A
 * refused wheel leaves no verdict; a damaged cache entry is not judged and leaves none either.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WbError } from "../../src/errors.js";
import { Cache } from "../../src/store/cache.js";
import { WHEEL_CHECK_VERSION, WheelChecks, type WheelFile } from "../../src/bundle/validate-wheel.js";
import { buildWheel, type WheelSpec } from "../helpers/wheel-builder.js";
import { tempDir } from "../net/net-helpers.js";

const base: WheelSpec = { name: "victim", version: "1.0", files: { "victim/__init__.py": "x = 1\n", "victim/core.py": "y = 2\n" } };

/** A built wheel committed into a fresh cache, as the downloader leaves it. */
async function cached(spec: WheelSpec): Promise<{ cache: Cache; file: WheelFile }> {
  const cache = new Cache(tempDir("wb-wc-cache-"));
  const w = await buildWheel(spec, tempDir("wb-wc-"));
  const tmp = cache.downloadTempPath();
  writeFileSync(tmp, readFileSync(w.path));
  const path = cache.commitWheel(tmp, w.sha256);
  return { cache, file: { path, filename: w.filename, sha256: w.sha256, hashed: true } };
}

describe("the kept verdict of the wheel check", () => {
  it("a passed wheel is recorded with the check's version; a later run does not open it again", async () => {
    const { cache, file } = await cached(base);
    const first = new WheelChecks();
    await first.ensure(file, { cache });
    expect(first.runs).toBe(1);
    expect(cache.readWheelCheck(file.sha256)).toEqual({ version: WHEEL_CHECK_VERSION, filename: file.filename });
    await first.ensure(file, { cache });
    expect(first.runs).toBe(1); // remembered in the process

    const later = new WheelChecks();
    await later.ensure({ ...file, hashed: false }, { cache });
    expect(later.runs).toBe(0);
  });

  it("a verdict of another check version, or for another file name, is checked again (and rewritten)", async () => {
    const { cache, file } = await cached(base);
    cache.writeWheelCheck(file.sha256, { version: WHEEL_CHECK_VERSION - 1, filename: file.filename });
    const run = new WheelChecks();
    await run.ensure(file, { cache });
    expect(run.runs).toBe(1);
    expect(cache.readWheelCheck(file.sha256)?.version).toBe(WHEEL_CHECK_VERSION);

    cache.writeWheelCheck(file.sha256, { version: WHEEL_CHECK_VERSION, filename: "other-1.0-py3-none-any.whl" });
    const again = new WheelChecks();
    await again.ensure(file, { cache });
    expect(again.runs).toBe(1);
    expect(cache.readWheelCheck(file.sha256)?.filename).toBe(file.filename);
  });

  it("recheck (--verify-cache) opens the wheel again despite a kept verdict and the process's own", async () => {
    const { cache, file } = await cached(base);
    const run = new WheelChecks();
    await run.ensure(file, { cache });
    await run.ensure(file, { cache, recheck: true });
    expect(run.runs).toBe(2);
    const counted = new WheelChecks();
    await counted.ensure(file, { cache, recheck: true });
    expect(counted.runs).toBe(1);
  });

  it("counts the injected check: it runs once per wheel and run, never on a kept verdict", async () => {
    const { cache, file } = await cached(base);
    const calls: string[] = [];
    const check = (path: string, filename: string) => {
      calls.push(`${path} ${filename}`);
      return Promise.resolve();
    };
    await new WheelChecks(check).ensure(file, { cache });
    await new WheelChecks(check).ensure(file, { cache });
    expect(calls).toEqual([`${file.path} ${file.filename}`]);
  });

  it("a refused wheel is refused every time, with the same error, and leaves no verdict", async () => {
    const { cache, file } = await cached({ ...base, corrupt: { extraRawMember: { name: "../evil.py", content: "import os\n" } } });
    for (const run of [new WheelChecks(), new WheelChecks()]) {
      const err = await run.ensure(file, { cache }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WbError);
      expect((err as WbError).code).toBe("E_BUNDLE");
      expect((err as WbError).message).toBe(`${file.filename} holds an unsafe member '../evil.py' ('..' component)`);
      expect(run.runs).toBe(1);
    }
    expect(cache.readWheelCheck(file.sha256)).toBeNull();
  });

  it("a damaged entry not hashed in this run is not judged and gets no verdict; verifyWheel drops a verdict with its entry", async () => {
    const { cache, file } = await cached(base);
    const bytes = readFileSync(file.path);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
    writeFileSync(file.path, bytes);
    const run = new WheelChecks();
    await expect(run.ensure({ ...file, hashed: false }, { cache })).resolves.toBeUndefined();
    expect(run.runs).toBe(1);
    expect(cache.readWheelCheck(file.sha256)).toBeNull();

    cache.writeWheelCheck(file.sha256, { version: WHEEL_CHECK_VERSION, filename: file.filename });
    expect(await cache.verifyWheel(file.sha256)).toBe(false);
    expect(cache.readWheelCheck(file.sha256)).toBeNull();
  });

  it("an unreadable verdict file is no verdict", async () => {
    const { cache, file } = await cached(base);
    cache.writeWheelCheck(file.sha256, { version: WHEEL_CHECK_VERSION, filename: file.filename });
    const p = join(cache.root, "wheel-checks-v1", file.sha256.slice(0, 2), file.sha256);
    writeFileSync(p, "{not json");
    expect(cache.readWheelCheck(file.sha256)).toBeNull();
    // Valid JSON padded past the size bound is not read either.
    writeFileSync(p, JSON.stringify({ version: WHEEL_CHECK_VERSION, filename: file.filename }) + " ".repeat(5000));
    expect(cache.readWheelCheck(file.sha256)).toBeNull();
    const run = new WheelChecks();
    await run.ensure(file, { cache });
    expect(run.runs).toBe(1);
  });
});
