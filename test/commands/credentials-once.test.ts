/**
 * Credentials are registered once per run: the Sources the session builds register every
 * configured URL and the primary index with the Net in one call (src/net/credentials.ts
 * `register`), and nothing registers the primary index again. Counted on the real
 * CredentialStore during an in-process `lock` against a real index that demands Basic auth.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Sources } from "../../src/index/sources.js";
import { CredentialStore } from "../../src/net/credentials.js";
import { Cache } from "../../src/store/cache.js";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { runCli } from "../helpers/run-cli.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { testNet } from "../net/net-helpers.js";

let dir: string;
let wheels: BuiltWheel[];
let locked: IndexServer;
let open: IndexServer;
const TARGET = ["--target", "manylinux_2_28_x86_64@3.11"];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-creds-once-"));
  wheels = [await buildWheel({ name: "alpha", version: "1.0" }, join(dir, "w")), await buildWheel({ name: "beta", version: "2.0" }, join(dir, "w"))];
  locked = await startIndexServer({ files: [wheels[0]!], auth: { username: "u", password: "pw-once" } });
  open = await startIndexServer({ files: [wheels[1]!] });
  writeFileSync(join(dir, "req.txt"), "alpha==1.0\nbeta==2.0\n");
});
afterAll(async () => {
  await Promise.all([locked.close(), open.close()]);
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

function lockArgs(name: string, index: string[]): string[] {
  return ["lock", "-r", join(dir, "req.txt"), ...index, "--extra-index-url", open.indexUrl, "--cache-dir", join(dir, `cache-${name}`), ...TARGET, "--out", join(dir, `pylock.${name}.toml`)];
}

describe("credentials are registered once per run", () => {
  it("credentials in --index-url: one registration, the primary index's URL added once", async () => {
    const register = vi.spyOn(CredentialStore.prototype, "register");
    const addFromUrl = vi.spyOn(CredentialStore.prototype, "addFromUrl");
    const primary = locked.indexUrl.replace("http://", "http://u:pw-once@");
    const r = await runCli(lockArgs("url", ["--index-url", primary]));
    expect(r.code, r.stderr).toBe(0);
    expect(register).toHaveBeenCalledTimes(1);
    expect(register.mock.calls[0]![0]).toEqual({ urls: [primary, open.indexUrl], primaryIndex: primary });
    expect(addFromUrl.mock.calls.filter(([u]) => u === primary)).toHaveLength(1);
  });

  it("WHEELBARROW_INDEX_USERNAME/_PASSWORD: bound to the primary index once, and the locked index accepts them", async () => {
    const register = vi.spyOn(CredentialStore.prototype, "register");
    const bind = vi.spyOn(CredentialStore.prototype, "bindEnvToPrimary");
    const before = locked.requests.length;
    const r = await runCli(lockArgs("env", ["--index-url", locked.indexUrl]), { env: { WHEELBARROW_INDEX_USERNAME: "u", WHEELBARROW_INDEX_PASSWORD: "pw-once" } });
    expect(r.code, r.stderr).toBe(0);
    expect(register).toHaveBeenCalledTimes(1);
    expect(bind.mock.calls).toEqual([[locked.indexUrl]]);
    expect(locked.requests.slice(before).every((q) => q.headers["authorization"] === `Basic ${Buffer.from("u:pw-once").toString("base64")}`)).toBe(true);
  });

  it("a spec-named primary index and a project pinned to a URL: one registration, each URL once", async () => {
    const register = vi.spyOn(CredentialStore.prototype, "register");
    const net = testNet();
    const primary = locked.indexUrl.replace("http://", "http://u:pw-once@");
    const pinnedUrl = `${open.indexUrl.replace("http://", "http://v:other@")}`;
    new Sources({ indexUrl: primary, extraIndexUrls: [], findLinks: [], noIndex: false, namedIndexes: [{ name: "internal", url: primary }], pinned: { beta: pinnedUrl } }, net, new Cache(join(dir, "cache-unit")), { cwd: dir });
    expect(register.mock.calls).toEqual([[{ urls: [primary, pinnedUrl], primaryIndex: primary }]]);
    await net.close();
  });

  it("a second registration on the same Net is refused as a bug", async () => {
    const net = testNet();
    net.registerCredentials({ urls: [locked.indexUrl], primaryIndex: locked.indexUrl });
    expect(() => net.registerCredentials({ urls: [open.indexUrl], primaryIndex: open.indexUrl })).toThrow(/registered twice/);
    await net.close();
  });
});
