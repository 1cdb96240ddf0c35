/**
 * Signed bundles end to end through the CLI, checked with the operator's tools: `sha256sum -c`
 * on --out's SHA256SUMS, `ssh-keygen -Y verify` on `<archive>.sig` and on the unpacked bundle's
 * SHA256SUMS.sig; `wheelbarrow verify --allowed-signers` catches a missing, foreign or altered
 * signature and an archive re-hashed after tampering; the same key gives byte-identical output.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemoWheels } from "../../scripts/lib/demo-wheels.js";
import { serveStatic, writeStaticIndex, type StaticServer } from "../../scripts/lib/static-index.js";
import { runCli } from "../helpers/run-cli.js";
import { fingerprintOf, hasSshAgent, hasSshKeygen, makeKey, publicLine, sshKeygen, startAgent } from "./ssh-tools.js";

const root = resolve(import.meta.dirname, "..", "..");
let dir: string;
let server: StaticServer;
let key: string;
let allowed: string;
const LINUX = "shop-2.3.0-manylinux_2_17_x86_64-cp311";
const WIN = "shop-2.3.0-win_amd64-cp311";

function bundleArgs(out: string, ...extra: string[]): string[] {
  return ["bundle", join(root, "manifests", "demo.toml"), "--index-url", `${server.url}/simple/`, "--target", "manylinux_2_17_x86_64@3.11", "--target", "win_amd64@3.11", "--out", out, "--cache-dir", join(dir, "cache"), "--quiet", ...extra];
}

function untar(archive: string, into: string): string {
  mkdirSync(into, { recursive: true });
  execFileSync("tar", ["-xzf", archive, "-C", into]);
  return join(into, LINUX);
}

/** What an attacker with write access does: change a file, re-hash manifest.json and SHA256SUMS. */
function tamper(bundleDir: string, rel: string, content: string): void {
  writeFileSync(join(bundleDir, rel), content);
  const sha = createHash("sha256").update(content).digest("hex");
  const m = JSON.parse(readFileSync(join(bundleDir, "manifest.json"), "utf8")) as { files: { path: string; sha256: string; size: number }[] };
  for (const f of m.files) if (f.path === rel) Object.assign(f, { sha256: sha, size: Buffer.byteLength(content) });
  writeFileSync(join(bundleDir, "manifest.json"), JSON.stringify(m, null, 2) + "\n");
  const sums = readFileSync(join(bundleDir, "SHA256SUMS"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const path = l.slice(66);
      const data = readFileSync(join(bundleDir, path));
      return `${createHash("sha256").update(data).digest("hex")}  ${path}`;
    });
  writeFileSync(join(bundleDir, "SHA256SUMS"), sums.join("\n") + "\n");
}

describe.skipIf(!hasSshKeygen)("signed bundles", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wb-signed-"));
    const wheels = await buildDemoWheels(join(root, "fixtures", "demo-packages"), join(dir, "wheels"));
    writeStaticIndex(wheels, join(dir, "index"));
    server = await serveStatic(join(dir, "index"));
    key = makeKey(dir, "release");
    allowed = join(dir, "allowed_signers");
    writeFileSync(allowed, `release@example.org namespaces="wheelbarrow" ${publicLine(key)}\n`);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("--sign-key: sha256sum -c and ssh-keygen -Y verify pass on --out and inside the bundle; a rebuild is byte-identical", async () => {
    const out = join(dir, "a");
    const r = await runCli(bundleArgs(out, "--sign-key", key));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["SHA256SUMS", `${LINUX}.tar.gz`, `${LINUX}.tar.gz.sig`, `${WIN}.zip`, `${WIN}.zip.sig`]);
    const sums = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: out, encoding: "utf8" });
    expect(sums.stdout).toBe(`${LINUX}.tar.gz: OK\n${WIN}.zip: OK\n`);
    expect(sums.status).toBe(0);
    for (const a of [`${LINUX}.tar.gz`, `${WIN}.zip`]) {
      const v = sshKeygen(["-Y", "verify", "-f", allowed, "-I", "release@example.org", "-n", "wheelbarrow", "-s", join(out, a + ".sig")], readFileSync(join(out, a)));
      expect(v.stdout).toContain('Good "wheelbarrow" signature for release@example.org');
      expect(v.status).toBe(0);
    }
    const unpacked = untar(join(out, `${LINUX}.tar.gz`), join(dir, "x"));
    expect(readFileSync(join(unpacked, "README.txt"), "utf8")).toContain("-s SHA256SUMS.sig < SHA256SUMS   (signed: must say Good)");
    expect(spawnSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: unpacked }).status).toBe(0);
    const inner = sshKeygen(["-Y", "verify", "-f", allowed, "-I", "release@example.org", "-n", "wheelbarrow", "-s", join(unpacked, "SHA256SUMS.sig")], readFileSync(join(unpacked, "SHA256SUMS")));
    expect(inner.status).toBe(0);

    const again = join(dir, "b");
    const j = await runCli([...bundleArgs(again, "--sign-key", key), "--json"]);
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout) as { bundles: { path: string; signature?: string; signer?: string }[] };
    for (const b of doc.bundles) expect(b).toMatchObject({ signature: b.path + ".sig", signer: fingerprintOf(key) });
    for (const n of readdirSync(out)) expect(readFileSync(join(again, n)).equals(readFileSync(join(out, n)))).toBe(true);
  }, 120_000);

  it("verify --allowed-signers names the signer; inspect shows it; an unsigned verify still passes and says nothing of trust", async () => {
    const archive = join(dir, "a", `${LINUX}.tar.gz`);
    const v = await runCli(["verify", archive, "--allowed-signers", allowed, "--identity", "release@example.org"]);
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
    const fp = fingerprintOf(key);
    expect(v.stdout).toContain(`OK SHA256SUMS signed by release@example.org (ssh-ed25519 ${fp})\n`);
    expect(v.stdout).toContain(`OK ${archive} signed by release@example.org (ssh-ed25519 ${fp})\n`);
    const j = await runCli(["verify", archive, "--allowed-signers", allowed, "--json"]);
    expect(JSON.parse(j.stdout).signature).toMatchObject({ authenticated: true, fingerprint: fp, principals: ["release@example.org"] });
    const i = await runCli(["inspect", archive, "--allowed-signers", allowed]);
    expect(i.stdout).toMatch(new RegExp(`signature\\s+SHA256SUMS signed by release@example.org \\(ssh-ed25519 ${fp.replace(/[+/]/g, "\\$&")}\\)`));
    const i2 = await runCli(["inspect", archive, "--json"]);
    expect(JSON.parse(i2.stdout).signature).toMatchObject({ signed: true, fingerprint: fp });
  }, 60_000);

  it("E_SIGNATURE: foreign key, wrong identity, missing signature, altered signature, re-hashed tampering", async () => {
    const archive = join(dir, "a", `${LINUX}.tar.gz`);
    const stranger = makeKey(dir, "stranger");
    const foreign = join(dir, "foreign_signers");
    writeFileSync(foreign, `release@example.org ${publicLine(stranger)}\n`);
    const wrongKey = await runCli(["verify", archive, "--allowed-signers", foreign]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^error\[E_SIGNATURE\]: SHA256SUMS\.sig in .* is signed by a key that is not allowed/m);
    const wrongId = await runCli(["verify", archive, "--allowed-signers", allowed, "--identity", "mallory@example.org"]);
    expect(wrongId.stderr).toMatch(/^error\[E_SIGNATURE\]: .*not allowed for identity 'mallory@example.org'/m);

    // Tampered and re-hashed: passes sha256sum -c, fails the signature (with or without allowed signers).
    const t = untar(archive, join(dir, "t"));
    tamper(t, "install.py", "import os\nos.system('echo owned')\n");
    expect(spawnSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: t }).status).toBe(0);
    const forged = await runCli(["verify", t, "--allowed-signers", allowed]);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/^error\[E_SIGNATURE\]: SHA256SUMS\.sig in .* does not verify SHA256SUMS/m);
    expect((await runCli(["verify", t])).stderr).toMatch(/E_SIGNATURE/);
    expect(sshKeygen(["-Y", "verify", "-f", allowed, "-I", "release@example.org", "-n", "wheelbarrow", "-s", join(t, "SHA256SUMS.sig")], readFileSync(join(t, "SHA256SUMS"))).status).not.toBe(0);

    // ...and with the signature removed too: the unsigned check passes (the documented limit), --allowed-signers does not.
    rmSync(join(t, "SHA256SUMS.sig"));
    expect((await runCli(["verify", t])).code).toBe(0);
    const missing = await runCli(["verify", t, "--allowed-signers", allowed]);
    expect(missing.stderr).toMatch(/^error\[E_SIGNATURE\]: .* is not signed \(it has no SHA256SUMS\.sig\)/m);

    // An altered signature file.
    const s = untar(archive, join(dir, "s"));
    const sig = readFileSync(join(s, "SHA256SUMS.sig"), "utf8").split("\n");
    sig[2] = (sig[2] as string).replace(/^./, (c) => (c === "A" ? "B" : "A"));
    writeFileSync(join(s, "SHA256SUMS.sig"), sig.join("\n"));
    const altered = await runCli(["verify", s, "--allowed-signers", allowed, "--json"]);
    expect(altered.code).toBe(1);
    expect(JSON.parse(altered.stdout).error.code).toBe("E_SIGNATURE");

    // An archive changed after signing, next to its old .sig (ssh-keygen and verify both refuse).
    const copy = join(dir, "copy");
    mkdirSync(copy);
    const win = `${WIN}.zip`;
    const bytes = readFileSync(join(dir, "a", win));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    writeFileSync(join(copy, win), bytes);
    cpSync(join(dir, "a", win + ".sig"), join(copy, win + ".sig"));
    expect(sshKeygen(["-Y", "verify", "-f", allowed, "-I", "release@example.org", "-n", "wheelbarrow", "-s", join(copy, win + ".sig")], bytes).status).not.toBe(0);
    expect((await runCli(["verify", join(copy, win), "--allowed-signers", allowed])).code).toBe(1);
    expect((await runCli(["verify", archive, "--identity", "x"])).stderr).toMatch(/^error\[E_USAGE\]: --identity needs --allowed-signers/m);
  }, 60_000);

  it("an encrypted key is a clear E_SIGNATURE before anything is fetched; an unsigned rebuild drops stale .sig files", async () => {
    const enc = makeKey(dir, "locked", "ed25519", "a passphrase");
    const out = join(dir, "enc");
    const r = await runCli(bundleArgs(out, "--sign-key", enc));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_SIGNATURE\]: signing key .*locked is encrypted with a passphrase/m);
    expect(existsSync(out)).toBe(false);
    const c = join(dir, "c");
    cpSync(join(dir, "a"), c, { recursive: true });
    expect((await runCli(bundleArgs(c))).code).toBe(0);
    expect(readdirSync(c).sort()).toEqual(["SHA256SUMS", `${LINUX}.tar.gz`, `${WIN}.zip`]);
  }, 120_000);

  it("install.sh --allowed-signers installs only what the signature covers; without it, says the bundle was not authenticated", async () => {
    const archive = join(dir, "a", `${LINUX}.tar.gz`);
    const sh = (bundleDir: string, ...a: string[]) => spawnSync("sh", [join(bundleDir, "install.sh"), join(dir, "dest-" + Math.random().toString(16).slice(2)), "--check", ...a], { encoding: "utf8" });
    const good = untar(archive, join(dir, "i-good"));
    const ok = sh(good, "--allowed-signers", allowed);
    expect(ok.stderr).toContain(`SHA256SUMS.sig: good signature for release@example.org (allowed signers ${allowed})`);
    expect(ok.status).toBe(0);
    expect(sh(good, "--allowed-signers", allowed, "--identity", "release@example.org").status).toBe(0);
    const plain = sh(good);
    expect(plain.status).toBe(0);
    expect(plain.stderr).toContain("note: the bundle was not authenticated (no --allowed-signers)");
    const wrongId = sh(good, "--allowed-signers", allowed, "--identity", "mallory@example.org");
    expect(wrongId.stderr).toMatch(/^error\[E_SIGNATURE\]: SHA256SUMS\.sig does not verify for mallory@example\.org/m);
    const stranger = makeKey(dir, "stranger2");
    writeFileSync(join(dir, "foreign2"), `release@example.org ${publicLine(stranger)}\n`);
    const foreign = sh(good, "--allowed-signers", join(dir, "foreign2"));
    expect(foreign.stderr).toMatch(/^error\[E_SIGNATURE\]: SHA256SUMS\.sig is not signed by a key of /m);
    expect(foreign.status).toBe(1);

    // An app file changed, manifest.json and SHA256SUMS re-hashed: the signature no longer matches.
    const appFile = (JSON.parse(readFileSync(join(good, "manifest.json"), "utf8")) as { files: { path: string }[] }).files.find((f) => f.path.startsWith("app/"))!.path;
    const t = untar(archive, join(dir, "i-rehashed"));
    tamper(t, appFile, "print('owned')\n");
    expect(sh(t, "--allowed-signers", allowed).stderr).toMatch(/^error\[E_SIGNATURE\]: SHA256SUMS\.sig does not verify/m);
    // Only manifest.json re-hashed (SHA256SUMS and its signature intact): the manifest is not the signed one.
    const m = untar(archive, join(dir, "i-manifest"));
    writeFileSync(join(m, appFile), "print('owned')\n");
    const doc = JSON.parse(readFileSync(join(m, "manifest.json"), "utf8")) as { files: { path: string; sha256: string; size: number }[] };
    Object.assign(doc.files.find((f) => f.path === appFile)!, { sha256: createHash("sha256").update("print('owned')\n").digest("hex"), size: 15 });
    writeFileSync(join(m, "manifest.json"), JSON.stringify(doc, null, 2) + "\n");
    const r = sh(m, "--allowed-signers", allowed);
    expect(r.stderr).toMatch(/^error\[E_SIGNATURE\]: manifest\.json is not the one the signed SHA256SUMS lists/m);
    expect(r.status).toBe(1);
    // No signature at all.
    rmSync(join(m, "SHA256SUMS.sig"));
    expect(sh(m, "--allowed-signers", allowed).stderr).toMatch(/^error\[E_SIGNATURE\]: the bundle is not signed/m);
    expect(sh(good, "--identity", "x").stderr).toMatch(/^error\[E_USAGE\]: --identity needs --allowed-signers/m);
  }, 120_000);

  it.skipIf(!hasSshAgent)("--sign-agent signs through a real ssh-agent, byte-identical to --sign-key", async () => {
    const agent = await startAgent();
    try {
      agent.add(key);
      const out = join(dir, "agent");
      const r = await runCli(bundleArgs(out, "--sign-agent"), { env: { SSH_AUTH_SOCK: agent.sock } });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      for (const n of readdirSync(join(dir, "a"))) expect(readFileSync(join(out, n)).equals(readFileSync(join(dir, "a", n)))).toBe(true);
    } finally {
      agent.stop();
    }
  }, 120_000);
});
