import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { storedBlocks, writeTarGz } from "../../src/bundle/archive-tar.js";
import { withDirectories, type ArchivePlan, type BundleFileEntry } from "../../src/bundle/entries.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

function bytesEntry(path: string, data: Buffer, store: boolean): BundleFileEntry {
  return { type: "file", path, mode: 0o644, size: data.length, sha256: sha(data), source: { kind: "bytes", data }, store, mismatchCode: "E_INTEGRITY" };
}

async function tarGz(plan: ArchivePlan): Promise<Buffer> {
  const out: Buffer[] = [];
  await writeTarGz(plan, async (c) => void out.push(Buffer.from(c)));
  return Buffer.concat(out);
}

/** Random bytes (incompressible, like a wheel's deflated members), the same on every run of the test. */
function noise(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe("tar.gz writer", () => {
  // Text crossing the 1 MiB segment size, a wheel over several read chunks and stored blocks, a small wheel, an empty file.
  const text = Buffer.from("Name: demo\nVersion: 1.0\n".repeat(60_000));
  const wheel = noise(2 * 1024 * 1024 + 777, 7);
  const small = randomBytes(70_000);
  const plan: ArchivePlan = {
    stem: "demo-1.0",
    mtime: 1_700_000_000,
    entries: withDirectories([bytesEntry("README.txt", text, false), bytesEntry("wheels/a-1.0-py3-none-any.whl", wheel, true), bytesEntry("wheels/b-1.0-py3-none-any.whl", small, true), bytesEntry("empty.txt", Buffer.alloc(0), false)]),
  };

  it("gives the same bytes for the same plan", async () => {
    expect(sha(await tarGz(plan))).toBe(sha(await tarGz(plan)));
  });

  it("is one gzip member that gzip, tar and Python's tarfile read back byte for byte", async () => {
    const gz = await tarGz(plan);
    const dir = mkdtempSync(join(tmpdir(), "wb-tar-"));
    const file = join(dir, "b.tar.gz");
    writeFileSync(file, gz);
    execFileSync("gzip", ["-t", file]);
    const listing = execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).trim().split("\n").sort();
    expect(listing).toEqual(["demo-1.0/README.txt", "demo-1.0/empty.txt", "demo-1.0/wheels/", "demo-1.0/wheels/a-1.0-py3-none-any.whl", "demo-1.0/wheels/b-1.0-py3-none-any.whl"]);
    const py = "import hashlib, json, sys, tarfile\nt = tarfile.open(sys.argv[1], 'r:gz')\nprint(json.dumps({m.name: hashlib.sha256(t.extractfile(m).read()).hexdigest() for m in t.getmembers() if m.isfile()}))";
    const got = JSON.parse(execFileSync("python3", ["-c", py, file], { encoding: "utf8" })) as Record<string, string>;
    expect(got).toEqual({
      "demo-1.0/README.txt": sha(text),
      "demo-1.0/wheels/a-1.0-py3-none-any.whl": sha(wheel),
      "demo-1.0/wheels/b-1.0-py3-none-any.whl": sha(small),
      "demo-1.0/empty.txt": sha(Buffer.alloc(0)),
    });
  });

  it("stores wheel bytes verbatim and compresses text", async () => {
    const gz = await tarGz(plan);
    // The wheel is not recompressed: its bytes appear in the archive, 64 KiB stored blocks apart.
    expect(gz.includes(wheel.subarray(0, 0xffff))).toBe(true);
    expect(gz.includes(small.subarray(0, 0xffff))).toBe(true);
    // The archive is about the wheels' size plus the compressed text, far less than the raw text.
    expect(gz.length).toBeLessThan(wheel.length + small.length + text.length / 10);
    expect(gunzipSync(gz).length % 512).toBe(0);
  });

  it("frames stored blocks as RFC 1951 says: 0x00, LEN, NLEN, at most 65535 bytes each", () => {
    const data = noise(0xffff + 10, 3);
    const out = storedBlocks(data);
    expect(out.length).toBe(data.length + 10);
    expect([...out.subarray(0, 5)]).toEqual([0x00, 0xff, 0xff, 0x00, 0x00]);
    expect([...out.subarray(5 + 0xffff, 10 + 0xffff)]).toEqual([0x00, 10, 0, 0xf5, 0xff]);
    expect(out.subarray(10 + 0xffff).equals(data.subarray(0xffff))).toBe(true);
  });
});
