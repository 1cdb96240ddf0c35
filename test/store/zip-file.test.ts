/**
 * openZipFile / BlockFileReader: yauzl over a file read in 256 KiB blocks gives the same entries and
 * member bytes as yauzl.open, with about one read per block, a member spanning several blocks
 * intact, the same error for a broken zip, and the file closed in both cases. readMember gives
 * the bytes yauzl's stream gives, and refuses a member that inflates beyond its declared size.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yauzl from "yauzl";
import yazl from "yazl";
import { afterAll, describe, expect, it } from "vitest";
import { BLOCK, BlockFileReader, openZipFile, readMember } from "../../src/store/zip-file.js";

const dir = mkdtempSync(join(tmpdir(), "wb-zipfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function writeZip(path: string, members: [string, Buffer, boolean][]): Promise<void> {
  const z = new yazl.ZipFile();
  for (const [name, data, compress] of members) z.addBuffer(data, name, { compress, mtime: new Date(0) });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  writeFileSync(path, Buffer.concat(chunks));
}

async function readAll(zip: yauzl.ZipFile): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  await new Promise<void>((res, rej) => {
    zip.on("error", rej);
    zip.on("end", () => res());
    zip.on("entry", (e: yauzl.Entry) => {
      zip.openReadStream(e, (err, s) => {
        if (err) return rej(err);
        const chunks: Buffer[] = [];
        s.on("data", (c: Buffer) => chunks.push(c));
        s.on("error", rej);
        s.on("end", () => {
          out.set(e.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  zip.close();
  return out;
}

const openFds = (): number => readdirSync("/proc/self/fd").length;

const members: [string, Buffer, boolean][] = [];
for (let i = 0; i < 3000; i++) members.push([`pkg/mod_${i}.py`, Buffer.from(`X = ${i}\n`.repeat(1 + (i % 7))), i % 2 === 0]);
const big = randomBytes(3 * BLOCK + 12345);
members.push(["pkg/big.bin", big, false], ["pkg/big.z", big, true]);
const zipPath = join(dir, "many.zip");

describe.skipIf(process.platform !== "linux")("openZipFile", () => {
  it("reads the same entries and bytes as yauzl.open, in about one read per block", async () => {
    await writeZip(zipPath, members);
    const theirs = await readAll(await new Promise<yauzl.ZipFile>((res, rej) => yauzl.open(zipPath, { lazyEntries: true, autoClose: false }, (e, z) => (e ? rej(e) : res(z)))));
    const ours = await readAll(await openZipFile(zipPath, { lazyEntries: true, autoClose: false }));
    expect([...ours.keys()]).toEqual([...theirs.keys()]);
    for (const [k, v] of theirs) expect(ours.get(k)!.equals(v)).toBe(true);
    expect(ours.get("pkg/big.bin")!.equals(big)).toBe(true);

    const size = readFileSync(zipPath).length;
    const reader = new BlockFileReader(openSync(zipPath, "r"), size);
    const zip = await new Promise<yauzl.ZipFile>((res, rej) => yauzl.fromRandomAccessReader(reader, size, { lazyEntries: true, autoClose: false }, (e, z) => (e ? rej(e) : res(z))));
    await readAll(zip);
    // Members are read in file order: each block is read once, plus the central directory's again at most.
    expect(reader.reads).toBeLessThanOrEqual(Math.ceil(size / BLOCK) + 2);
  });

  it("a truncated zip fails as yauzl.open fails, and its file is closed", async () => {
    const bad = join(dir, "bad.zip");
    writeFileSync(bad, readFileSync(zipPath).subarray(0, 100_000));
    const before = openFds();
    const theirs = await new Promise<Error>((res) => yauzl.open(bad, { lazyEntries: true }, (e) => res(e!)));
    const ours = await openZipFile(bad, { lazyEntries: true }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(ours?.message).toBe(theirs.message);
    await new Promise((r) => setTimeout(r, 50)); // yauzl.open closes its file after it reported the error
    expect(openFds()).toBe(before);
  });

  it("closes the file when the zip is closed", async () => {
    const before = openFds();
    const zip = await openZipFile(zipPath, { lazyEntries: true, autoClose: false });
    expect(openFds()).toBe(before + 1);
    await new Promise<void>((res) => {
      zip.once("close", () => res());
      zip.close();
    });
    expect(openFds()).toBe(before);
  });

  it("readMember gives every member's bytes (small ones inflated in one piece, big ones streamed)", async () => {
    const zip = await openZipFile(zipPath, { lazyEntries: true, autoClose: false });
    const got = new Map<string, Buffer>();
    await new Promise<void>((res, rej) => {
      zip.on("error", rej);
      zip.on("end", () => res());
      zip.on("entry", (e: yauzl.Entry) => {
        const chunks: Buffer[] = [];
        readMember(zip, e, (c) => chunks.push(c)).then(() => {
          got.set(e.fileName, Buffer.concat(chunks));
          zip.readEntry();
        }, rej);
      });
      zip.readEntry();
    });
    zip.close();
    expect(got.size).toBe(members.length);
    for (const [name, data] of members) expect(got.get(name)!.equals(data)).toBe(true);
  });

  it.each([
    ["small", 5000, 100, "too many bytes in the stream. expected 100. got at least 101"],
    ["streamed", 3 * BLOCK, 2 * BLOCK, `too many bytes in the stream. expected ${2 * BLOCK}. got at least ${3 * BLOCK}`],
  ])("readMember refuses a %s member that inflates to more than its declared size", async (_kind, real, declared, message) => {
    const path = join(dir, `liar-${real}.zip`);
    await writeZip(path, [["a.txt", Buffer.alloc(real, 97), true]]);
    const buf = readFileSync(path);
    const cd = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    buf.writeUInt32LE(declared, cd + 24); // the central directory's uncompressed size
    writeFileSync(path, buf);
    const zip = await openZipFile(path, { lazyEntries: true, autoClose: false });
    const entry = await new Promise<yauzl.Entry>((res) => {
      zip.once("entry", res);
      zip.readEntry();
    });
    await expect(readMember(zip, entry, () => undefined)).rejects.toThrow(message);
    zip.close();
  });
});
