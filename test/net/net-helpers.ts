/**
 * Shared pieces of the network tests: a Net with short timeouts and backoffs (so the suite stays
 * fast), and the check that no secret appears in an error in any of its printed forms.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { createNet, type Net, type NetOptions } from "../../src/net/dispatcher.js";
import { WbError } from "../../src/errors.js";

export function testNet(o: Partial<NetOptions> = {}, logs: string[] = []): Net {
  return createNet({
    env: {},
    netrcPath: "/nonexistent/.netrc",
    retries: 2,
    backoffMs: 5,
    maxBackoffMs: 50,
    connectTimeoutMs: 1000,
    readTimeoutMs: 400,
    log: (m) => logs.push(m),
    ...o,
  });
}

const made: string[] = [];
// Registered while the importing test file is collected: runs after that file's tests.
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the test file's tests. */
export function tempDir(prefix = "wb-net-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Await a promise that must reject with a WbError; returns it. */
export async function rejection(p: Promise<unknown>): Promise<WbError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WbError);
    return e as WbError;
  }
  throw new Error("expected a rejection");
}

/** Every printed form of the error (message, hints, --json, cause) is free of the secrets. */
export function expectNoSecrets(e: WbError, secrets: string[], extra: string[] = []): void {
  const forms = [e.message, e.format(), JSON.stringify(e.toJSON()), String((e as Error).cause ?? ""), ...extra];
  for (const s of secrets) {
    for (const f of forms) expect(f).not.toContain(s);
    const b64 = Buffer.from(s).toString("base64");
    for (const f of forms) expect(f).not.toContain(b64);
  }
}
