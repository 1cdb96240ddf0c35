// SSHSIG made in Node against the real ssh-keygen, both directions, and hostile inputs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WbError } from "../../src/errors.js";
import { parseAllowedSigners } from "../../src/sign/allowed-signers.js";
import { checkSignature, type CheckOptions } from "../../src/sign/check-signature.js";
import { openSigner, signBytes, type Signer } from "../../src/sign/signer.js";
import type { SigHash } from "../../src/sign/sshsig.js";
import { fingerprintOf, hasSshAgent, hasSshKeygen, makeKey, publicLine, sshKeygen, startAgent } from "./ssh-tools.js";

let dir: string;
let key: string;
let other: string;
const message = Buffer.from("e3b0c442...  wheels/example-1.0-py3-none-any.whl\n".repeat(20));

const digestOf = (m: Buffer) => (alg: SigHash) => createHash(alg).update(m).digest();
const now = Math.floor(Date.now() / 1000);

function check(sig: string | Buffer, opts: Partial<CheckOptions> = {}, m = message) {
  return checkSignature("X.sig", Buffer.from(sig), "X", digestOf(m), { now, ...opts });
}

function errOf(fn: () => unknown): WbError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WbError);
    return e as WbError;
  }
  throw new Error("expected an error");
}

async function fileSigner(path: string): Promise<Signer> {
  const s = await openSigner({ keyFile: path, env: {} });
  if (!s) throw new Error("no signer");
  return s;
}

describe.skipIf(!hasSshKeygen)("SSHSIG with the real ssh-keygen", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "wb-sshsig-"));
    key = makeKey(dir, "builder");
    other = makeKey(dir, "other");
    writeFileSync(join(dir, "msg"), message);
    writeFileSync(join(dir, "allowed_signers"), `builder@example.org namespaces="wheelbarrow" ${publicLine(key)}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("ssh-keygen -Y verify accepts what Node signed, and the bytes equal ssh-keygen -Y sign's (deterministic ed25519)", async () => {
    const signer = await fileSigner(key);
    expect(signer.fingerprint).toBe(fingerprintOf(key));
    const ours = await signBytes(signer, message);
    expect(await signBytes(signer, message)).toBe(ours);
    writeFileSync(join(dir, "ours.sig"), ours);
    const v = sshKeygen(["-Y", "verify", "-f", join(dir, "allowed_signers"), "-I", "builder@example.org", "-n", "wheelbarrow", "-s", join(dir, "ours.sig")], message);
    expect(v.stdout + v.stderr).toContain('Good "wheelbarrow" signature for builder@example.org');
    expect(v.status).toBe(0);
    const s = sshKeygen(["-Y", "sign", "-f", key, "-n", "wheelbarrow", join(dir, "msg")]);
    expect(s.status).toBe(0);
    expect(readFileSync(join(dir, "msg.sig"), "utf8")).toBe(ours);
  });

  it("ssh-keygen refuses our signature over altered data or under another namespace", async () => {
    const ours = await signBytes(await fileSigner(key), message);
    writeFileSync(join(dir, "ours.sig"), ours);
    const args = ["-Y", "verify", "-f", join(dir, "allowed_signers"), "-I", "builder@example.org", "-s", join(dir, "ours.sig")];
    expect(sshKeygen([...args, "-n", "wheelbarrow"], Buffer.concat([message, Buffer.from("x")])).status).not.toBe(0);
    expect(sshKeygen([...args, "-n", "git"], message).status).not.toBe(0);
  });

  for (const type of ["ed25519", "rsa", "ecdsa"]) {
    it(`our verifier accepts ssh-keygen -Y sign signatures (${type}) and names the signer`, () => {
      const k = type === "ed25519" ? key : makeKey(dir, `k-${type}`, type);
      const msgPath = join(dir, `m-${type}`);
      writeFileSync(msgPath, message);
      expect(sshKeygen(["-Y", "sign", "-f", k, "-n", "wheelbarrow", msgPath]).status).toBe(0);
      const sig = readFileSync(msgPath + ".sig");
      const allowed = parseAllowedSigners(`ops@example.org,builder@* ${publicLine(k)}\n`);
      const info = check(sig, { allowed, identity: "builder@example.org" });
      expect(info).toMatchObject({ authenticated: true, principals: ["ops@example.org,builder@*"], fingerprint: fingerprintOf(k) });
      // ...and refuses it for altered data, for another identity, or under another key.
      expect(errOf(() => check(sig, {}, Buffer.concat([message, Buffer.from("\n")]))).code).toBe("E_SIGNATURE");
      expect(errOf(() => check(sig, { allowed, identity: "mallory@example.org" })).message).toContain("not allowed for identity 'mallory@example.org'");
      expect(errOf(() => check(sig, { allowed: parseAllowedSigners(`* ${publicLine(other)}\n`) })).code).toBe("E_SIGNATURE");
    });
  }

  it("a signature in another namespace is refused, as ssh-keygen -n wheelbarrow would", () => {
    const msgPath = join(dir, "m-ns");
    writeFileSync(msgPath, message);
    sshKeygen(["-Y", "sign", "-f", key, "-n", "file", msgPath]);
    expect(errOf(() => check(readFileSync(msgPath + ".sig"))).message).toContain("namespace 'file', not 'wheelbarrow'");
  });

  it("allowed_signers options: namespaces, valid-after/valid-before, negated principals, cert-authority", async () => {
    const sig = await signBytes(await fileSigner(key), message);
    const pub = publicLine(key);
    const ok = (text: string, identity?: string) => {
      try {
        return check(sig, { allowed: parseAllowedSigners(text), identity }).authenticated;
      } catch (e) {
        if (e instanceof WbError && e.code === "E_SIGNATURE") return false;
        throw e;
      }
    };
    expect(ok(`a@x namespaces="git,file" ${pub}`)).toBe(false);
    expect(ok(`a@x namespaces="git,wheel*" ${pub}`)).toBe(true);
    expect(ok(`a@x valid-before="20000101Z" ${pub}`)).toBe(false);
    expect(ok(`a@x valid-after="20000101",valid-before="29990101000000Z" ${pub}`)).toBe(true);
    expect(ok(`*@x,!b@x ${pub}`, "b@x")).toBe(false);
    expect(ok(`*@x,!b@x ${pub}`, "a@x")).toBe(true);
    expect(ok(`a@x cert-authority ${pub}`)).toBe(false);
    expect(ok(`# comment\n\n"a@x" ${pub} a comment`, "a@x")).toBe(true);
    const bad = parseAllowedSigners(`a@x bogus-option ${pub}\nb@x ssh-ed25519 AAAA\n`);
    expect(bad.signers).toHaveLength(0);
    expect(bad.problems).toHaveLength(2);
  });

  it("an encrypted key is E_SIGNATURE (reason encrypted), naming ssh-agent; other key types are refused for signing", async () => {
    const enc = makeKey(dir, "enc", "ed25519", "secret passphrase");
    const e = await openSigner({ keyFile: enc, env: {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WbError);
    expect((e as WbError).code).toBe("E_SIGNATURE");
    expect((e as WbError).details["reason"]).toBe("encrypted");
    expect((e as WbError).hints.join(" ")).toContain("--sign-agent");
    const rsa = makeKey(dir, "rsa-signing", "rsa");
    const e2 = (await openSigner({ keyFile: rsa, env: {} }).catch((x: unknown) => x)) as WbError;
    expect(e2.code).toBe("E_SIGNATURE");
    expect(e2.message).toContain("is a ssh-rsa key");
    const e3 = (await openSigner({ keyFile: join(dir, "msg"), env: {} }).catch((x: unknown) => x)) as WbError;
    expect(e3.code).toBe("E_SIGNATURE");
  });

  it("a hostile .sig (truncated, bit-flipped, oversized lengths, garbage) is a plain E_SIGNATURE, never a crash", async () => {
    const sig = await signBytes(await fileSigner(key), message);
    const blob = Buffer.from(sig.split("\n").slice(1, -2).join(""), "base64");
    const wrap = (b: Buffer) => `-----BEGIN SSH SIGNATURE-----\n${b.toString("base64")}\n-----END SSH SIGNATURE-----\n`;
    const cases: string[] = ["", "hello", "-----BEGIN SSH SIGNATURE-----\n!!!\n-----END SSH SIGNATURE-----\n", "x".repeat(100_000)];
    for (let n = 0; n < blob.length; n += 7) cases.push(wrap(blob.subarray(0, n)));
    for (let i = 0; i < blob.length; i += 3) {
      const b = Buffer.from(blob);
      b[i] = (b[i] as number) ^ 0x5a;
      cases.push(wrap(b));
    }
    const huge = Buffer.from(blob);
    huge.writeUInt32BE(0xfffffff0, 10);
    cases.push(wrap(huge), wrap(Buffer.concat([blob, Buffer.from([0])])));
    for (const c of cases) expect(errOf(() => check(c)).code).toBe("E_SIGNATURE");
  });
});

describe.skipIf(!hasSshAgent)("signing through a real ssh-agent", () => {
  it("signs with the agent's key; ssh-keygen verifies it; the bytes equal file signing", async () => {
    const d = mkdtempSync(join(tmpdir(), "wb-agent-keys-"));
    const agent = await startAgent();
    try {
      const k = makeKey(d, "agentkey");
      const k2 = makeKey(d, "second");
      const env = { SSH_AUTH_SOCK: agent.sock };
      const none = (await openSigner({ agent: true, env }).catch((x: unknown) => x)) as WbError;
      expect(none.code).toBe("E_SIGNATURE");
      expect(none.message).toContain("holds no ssh-ed25519 key");
      agent.add(k);
      const s = await openSigner({ agent: true, env });
      if (!s) throw new Error("no signer");
      const viaAgent = await signBytes(s, message);
      s.close();
      expect(viaAgent).toBe(await signBytes(await fileSigner(k), message));
      writeFileSync(join(d, "a.sig"), viaAgent);
      writeFileSync(join(d, "allowed"), `me ${publicLine(k)}\n`);
      expect(sshKeygen(["-Y", "verify", "-f", join(d, "allowed"), "-I", "me", "-n", "wheelbarrow", "-s", join(d, "a.sig")], message).status).toBe(0);
      // Two keys: the public key file picks one; without it the choice is refused.
      agent.add(k2);
      const two = (await openSigner({ agent: true, env }).catch((x: unknown) => x)) as WbError;
      expect(two.message).toContain("holds 2 ed25519 keys");
      const picked = await openSigner({ agent: true, keyFile: k2 + ".pub", env });
      expect(picked?.fingerprint).toBe(fingerprintOf(k2));
      picked?.close();
      const unset = (await openSigner({ agent: true, env: {} }).catch((x: unknown) => x)) as WbError;
      expect(unset.message).toContain("SSH_AUTH_SOCK is not set");
    } finally {
      agent.stop();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
