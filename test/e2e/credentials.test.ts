/**
 * Credentials never leak, end to end through the CLI against a real HTTP index on 127.0.0.1 that
 * demands Basic auth: random (seeded) user names and passwords full of `@ : / % # ?` and
 * non-ASCII, given in the index URL, in `name @ URL` and bare-URL requirement lines and in a
 * `--lock` input, appear in no stdout/stderr (success, --json, --verbose, E_INTEGRITY,
 * E_NO_SUCH_PACKAGE, and `inspect`/`verify`/`diff` of the bundles), in no file written
 * (pylock.toml, manifest, SBOM, requirements.txt, the archive itself) and nowhere in the cache.
 * Likewise a token in the query of file URLs (the index's links and a direct wheel URL, as a
 * pre-signed URL carries one): it is sent to the server, and shown and written only as `***`. And WHEELBARROW_INDEX_USERNAME/_PASSWORD go to the index the user named,
 * never to one a requirements file chose.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { randomCredential, seeded, secretForms, urlWithCredentials } from "../helpers/random-credentials.js";
import { runCli, type CliResult } from "../helpers/run-cli.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";

let dir: string;
let wheels: BuiltWheel[];
const TARGET = ["--target", "manylinux_2_28_x86_64@3.11"];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-e2e-creds-"));
  const w = join(dir, "wheels");
  wheels = [
    await buildWheel({ name: "alpha", version: "1.0", requiresDist: ["beta>=1"] }, w),
    await buildWheel({ name: "beta", version: "1.1" }, w),
    await buildWheel({ name: "gamma", version: "2.0" }, w),
    await buildWheel({ name: "delta", version: "3.0" }, w),
  ];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Every file under root, gzip members also decompressed (a .tar.gz is scanned as its tar). */
function filesUnder(root: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(root, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else {
      const bytes = readFileSync(p);
      out.push({ path: p, bytes });
      if (bytes[0] === 0x1f && bytes[1] === 0x8b) out.push({ path: `${p} (gunzipped)`, bytes: gunzipSync(bytes) });
    }
  }
  return out;
}

function expectNoSecret(where: string, text: string | Buffer, forms: string[]): void {
  for (const f of forms) {
    const found = typeof text === "string" ? text.includes(f) : text.includes(Buffer.from(f));
    expect(found, `${where} contains the secret form ${JSON.stringify(f)}`).toBe(false);
  }
}

function expectCliClean(name: string, r: CliResult, forms: string[]): void {
  expectNoSecret(`${name} stdout`, r.stdout, forms);
  expectNoSecret(`${name} stderr`, r.stderr, forms);
}

describe("credentials never leak (seeded property test through the CLI)", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: lock, bundle, --lock input and failures show and write no credential`, async () => {
      const rnd = seeded(seed * 7919);
      const user = randomCredential(rnd);
      const pass = randomCredential(rnd);
      const token = `Tok${Math.floor(rnd() * 36 ** 6).toString(36)}x`;
      const forms = [...secretForms(user), ...secretForms(pass), token];
      const auth = { username: user, password: pass };
      // The index has alpha, beta, gamma, its file links carrying a token; a second host (same
      // credentials) serves direct wheel URLs.
      const srv: IndexServer = await startIndexServer({ files: wheels.slice(0, 3), auth, fileQuery: `token=${token}` });
      const host: IndexServer = await startIndexServer({ files: wheels.slice(2), auth });
      try {
        const withCreds = (u: string) => urlWithCredentials(rnd, u, user, pass);
        const files = (f: BuiltWheel, s = srv) => `${s.origin}/packages/${f.filename}`;
        const work = mkdtempSync(join(dir, `s${seed}-`));
        const cache = join(work, "cache");
        const index = ["--index-url", withCreds(srv.indexUrl), "--cache-dir", cache];
        // All pinned, with a bare wheel URL (only on the second host): the direct file is what ships.
        const req = write(`req-${seed}.txt`, [`alpha==1.0`, `beta==1.1`, `${withCreds(files(wheels[3]!, host))}?X-Amz-Signature=${token}#sha256=${wheels[3]!.sha256}`, ""].join("\n"));
        // A `name @ URL` line.
        const named = write(`named-${seed}.txt`, [`alpha==1.0`, `beta==1.1`, `gamma @ ${withCreds(files(wheels[2]!, host))}`, ""].join("\n"));

        const lockOut = join(work, "pylock.toml");
        const lock = await runCli(["lock", "-r", req, ...index, ...TARGET, "--out", lockOut, "--json", "--verbose"]);
        expect(lock.stderr).not.toContain("error[");
        expect(lock.code).toBe(0);
        expect(JSON.parse(lock.stdout)).toBeTruthy();
        expectCliClean("lock", lock, forms);
        expectNoSecret("pylock.toml", readFileSync(lockOut, "utf8"), forms);
        // The direct wheel is written without its credentials, and its #sha256 fragment becomes the wheel's hashes entry.
        expect(readFileSync(lockOut, "utf8")).toContain(`url = "${files(wheels[3]!, host)}?X-Amz-Signature=***"`);
        expect(readFileSync(lockOut, "utf8")).toContain(`url = "${files(wheels[0]!)}?token=***"`);
        // The tokens were sent: the request URLs carry them.
        expect(srv.requests.some((q) => q.url.startsWith(`/packages/${wheels[0]!.filename}?token=${token}`))).toBe(true);
        expect(host.requests.some((q) => q.url === `/packages/${wheels[3]!.filename}?X-Amz-Signature=${token}`)).toBe(true);
        expect(readFileSync(lockOut, "utf8")).toContain(`sha256 = "${wheels[3]!.sha256}"`);
        const namedLock = await runCli(["lock", "-r", named, ...index, ...TARGET, "--out", join(work, "named.toml"), "--json", "--verbose"]);
        expect(namedLock.stderr).not.toContain("error[");
        expect(namedLock.code).toBe(0);
        expectCliClean("lock (name @ URL)", namedLock, forms);
        expectNoSecret("pylock.toml (name @ URL)", readFileSync(join(work, "named.toml"), "utf8"), forms);

        const outDir = join(work, "out");
        const bundle = await runCli(["bundle", "-r", req, ...index, ...TARGET, "--out", outDir, "--json", "--verbose"]);
        expect(bundle.stderr).not.toContain("error[");
        expect(bundle.code).toBe(0);
        expectCliClean("bundle", bundle, forms);
        const dirOut = join(work, "out-dir");
        const asDir = await runCli(["bundle", "-r", req, ...index, ...TARGET, "--out", dirOut, "--format", "dir", "--quiet"]);
        expect(asDir.code).toBe(0);
        expectCliClean("bundle --format dir", asDir, forms);
        const written = [...filesUnder(outDir), ...filesUnder(dirOut)];
        // Reading the bundles back shows nothing secret either.
        const archive = readdirSync(outDir).find((f) => f.endsWith(".tar.gz"))!;
        for (const args of [["inspect", join(outDir, archive)], ["inspect", join(outDir, archive), "--json"], ["verify", join(outDir, archive), "--json"], ["diff", join(outDir, archive), join(dirOut, readdirSync(dirOut).find((f) => !f.includes("SHA256SUMS"))!)]]) {
          const r = await runCli(args);
          expect(r.stderr).not.toContain("error[");
          expect(r.code).toBe(0);
          expectCliClean(args.join(" "), r, forms);
        }
        expect(written.some((f) => f.path.endsWith("manifest.json"))).toBe(true);
        expect(written.some((f) => f.path.endsWith("(gunzipped)"))).toBe(true);

        // A pylock.toml input whose URLs carry credentials.
        const lockIn = write(
          `in-${seed}.toml`,
          [
            'lock-version = "1.0"',
            'created-by = "hand"',
            "[[packages]]",
            'name = "beta"',
            'version = "1.1"',
            `index = ${JSON.stringify(withCreds(srv.indexUrl))}`,
            "[[packages.wheels]]",
            `url = ${JSON.stringify(withCreds(files(wheels[1]!)))}`,
            `hashes = { sha256 = "${wheels[1]!.sha256}" }`,
            "",
          ].join("\n"),
        );
        const fromLock = await runCli(["bundle", "--lock", lockIn, "--cache-dir", cache, ...TARGET, "--out", join(work, "out-lock"), "--json"]);
        expect(fromLock.stderr).not.toContain("error[");
        expect(fromLock.code).toBe(0);
        expectCliClean("bundle --lock", fromLock, forms);
        const relock = await runCli(["lock", "--lock", lockIn, "--cache-dir", cache, ...TARGET, "--out", join(work, "relock.toml")]);
        expect(relock.code).toBe(0);
        expectCliClean("lock --lock", relock, forms);
        written.push(...filesUnder(join(work, "out-lock")), { path: "relock.toml", bytes: readFileSync(join(work, "relock.toml")) });

        // E_INTEGRITY: a direct wheel URL whose hash does not match.
        const bad = write(`bad-${seed}.txt`, `${withCreds(files(wheels[3]!, host))}#sha256=${"0".repeat(64)}\n`);
        const integrity = await runCli(["bundle", "-r", bad, ...index, ...TARGET, "--out", join(work, "bad"), "--json"]);
        expect(integrity.code).toBe(1);
        expect(integrity.stderr + integrity.stdout).toContain("E_INTEGRITY");
        expectCliClean("E_INTEGRITY", integrity, forms);

        // E_NO_SUCH_PACKAGE: `name @ URL` for a project no source has.
        const ghost = write(`ghost-${seed}.txt`, `ghost @ ${withCreds(`${srv.origin}/packages/ghost-1.0-py3-none-any.whl`)}\n`);
        const missing = await runCli(["lock", "-r", ghost, ...index, ...TARGET, "--out", join(work, "ghost.toml")]);
        expect(missing.code).toBe(1);
        expectCliClean("failure of a name @ URL line", missing, forms);

        for (const f of written) expectNoSecret(f.path, f.bytes, forms);
        // The cache keeps index pages as served (they are replayed on a 304), so the index's own
        // links keep their token there; it holds no credential and no token anywhere else.
        for (const f of filesUnder(cache)) expectNoSecret(f.path, f.bytes, f.path.includes("/simple-v1/") ? forms.filter((x) => x !== token) : forms);
        expect(filesUnder(cache).length).toBeGreaterThan(0);
      } finally {
        await srv.close();
        await host.close();
      }
    }, 60_000);
  }
});

describe("WHEELBARROW_INDEX_USERNAME/_PASSWORD", () => {
  const env = { WHEELBARROW_INDEX_USERNAME: "envuser", WHEELBARROW_INDEX_PASSWORD: "env-secret-pw" };
  const basic = `Basic ${Buffer.from("envuser:env-secret-pw").toString("base64")}`;

  it("are not sent to an --index-url that a requirements file chose (and a warning says so)", async () => {
    const srv = await startIndexServer({ files: wheels });
    try {
      const req = write("file-index.txt", `--index-url ${srv.indexUrl}\nbeta==1.1\n`);
      const r = await runCli(["lock", "-r", req, ...TARGET, "--out", join(dir, "fi.toml"), "--cache-dir", join(dir, "cache-fi")], { env });
      expect(r.code).toBe(0);
      expect(srv.requests.length).toBeGreaterThan(0);
      expect(srv.requests.map((q) => q.headers["authorization"])).toEqual(srv.requests.map(() => undefined));
      expect(r.stderr).toContain(`warning: WHEELBARROW_INDEX_USERNAME/_PASSWORD are not sent to ${srv.indexUrl}, the index a requirements file chose`);
    } finally {
      await srv.close();
    }
  });

  it("are sent to the --index-url given on the command line, even when a requirements file names another", async () => {
    const srv = await startIndexServer({ files: wheels, auth: { username: "envuser", password: "env-secret-pw" } });
    const other = await startIndexServer({ files: wheels });
    try {
      const req = write("file-index-2.txt", `--extra-index-url ${other.indexUrl}\nbeta==1.1\n`);
      const r = await runCli(["lock", "-r", req, "--index-url", srv.indexUrl, ...TARGET, "--out", join(dir, "cl.toml"), "--cache-dir", join(dir, "cache-cl")], { env });
      expect(r.stderr).not.toContain("error[");
      expect(r.code).toBe(0);
      expect(srv.requests.some((q) => q.headers["authorization"] === basic)).toBe(true);
      expect(other.requests.every((q) => q.headers["authorization"] === undefined)).toBe(true);
      expect(r.stderr).not.toContain("warning: WHEELBARROW_INDEX");
    } finally {
      await srv.close();
      await other.close();
    }
  });
});
