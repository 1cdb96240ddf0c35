// A hostile or broken agent (truncated, oversized, wrong-type replies, refusal) is a plain E_SIGNATURE.
import { createServer, type Server } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WbError } from "../../src/errors.js";
import { openSigner } from "../../src/sign/signer.js";

const dir = mkdtempSync(join(tmpdir(), "wb-fake-agent-"));
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function frame(body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length, 0);
  return Buffer.concat([len, body]);
}

async function fakeAgent(name: string, reply: Buffer): Promise<string> {
  const path = join(dir, name);
  const s = createServer((c) => c.once("data", () => c.write(reply)));
  servers.push(s);
  await new Promise<void>((r) => s.listen(path, () => r()));
  return path;
}

describe("ssh-agent replies are bounds-checked", () => {
  const cases: [string, Buffer, RegExp][] = [
    ["refuses", frame(Buffer.from([5])), /refused to list/],
    ["wrong type", frame(Buffer.from([99])), /answered 99/],
    ["claims many keys", frame(Buffer.from([12, 0xff, 0xff, 0xff, 0xff])), /claims 4294967295 keys/],
    ["truncated key blob", frame(Buffer.from([12, 0, 0, 0, 1, 0, 0, 1, 0, 1, 2])), /malformed \(truncated key blob/],
    ["oversized frame", Buffer.from([0x7f, 0xff, 0xff, 0xff, 12]), /reply of 2147483647 bytes/],
    ["trailing bytes", frame(Buffer.from([12, 0, 0, 0, 0, 9])), /malformed \(1 unexpected trailing bytes/],
  ];
  for (const [name, reply, why] of cases) {
    it(name, async () => {
      const sock = await fakeAgent(name.replace(/\s/g, "-"), reply);
      const e = await openSigner({ agent: true, env: { SSH_AUTH_SOCK: sock } }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(WbError);
      expect((e as WbError).code).toBe("E_SIGNATURE");
      expect((e as WbError).message).toMatch(why);
    });
  }
  it("an SSH_AUTH_SOCK with no agent listening is E_SIGNATURE naming the failed connection", async () => {
    const e = (await openSigner({ agent: true, env: { SSH_AUTH_SOCK: join(dir, "nothing-here") } }).catch((x: unknown) => x)) as WbError;
    expect(e.code).toBe("E_SIGNATURE");
    expect(e.message).toContain("cannot connect to the agent");
  });
});
