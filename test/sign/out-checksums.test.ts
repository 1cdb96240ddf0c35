// <out>/SHA256SUMS: this run's hashes, earlier archives' lines kept, vanished archives dropped; sha256sum -c agrees.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { publishOutChecksums, stageOutChecksums } from "../../src/bundle/out-checksums.js";

/** Stage and publish at once, as a run does for a directory whose archives are already in place. */
async function updateOutChecksums(outDir: string, fresh: Map<string, string>): Promise<string | null> {
  const s = await stageOutChecksums(outDir, fresh);
  if (!s) return null;
  publishOutChecksums(s);
  return s.path;
}

const dir = mkdtempSync(join(tmpdir(), "wb-outsums-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: string) => createHash("sha256").update(b).digest("hex");

describe("the --out SHA256SUMS (stageOutChecksums + publishOutChecksums)", () => {
  it("covers every archive in --out, keeps earlier lines, drops stale ones, ignores temp files, dirs and signatures", async () => {
    const out = join(dir, "out");
    mkdirSync(out);
    writeFileSync(join(out, "a-1.0-linux.tar.gz"), "A");
    writeFileSync(join(out, "b-1.0-win.zip"), "B");
    writeFileSync(join(out, "a-1.0-linux.tar.gz.sig"), "sig");
    writeFileSync(join(out, ".c.tmp-123"), "partial");
    mkdirSync(join(out, "d-1.0-macos"));
    expect(await updateOutChecksums(out, new Map([["a-1.0-linux.tar.gz", sha("A")]]))).toBe(join(out, "SHA256SUMS"));
    expect(readFileSync(join(out, "SHA256SUMS"), "utf8")).toBe(`${sha("A")}  a-1.0-linux.tar.gz\n${sha("B")}  b-1.0-win.zip\n`);
    // A later run writes only c; a's line is kept as it was (not re-hashed), b is gone.
    writeFileSync(join(out, "SHA256SUMS"), `${sha("A-old")}  a-1.0-linux.tar.gz\n${sha("B")}  b-1.0-win.zip\n${sha("Z")}  z-gone.zip\n`);
    unlinkSync(join(out, "b-1.0-win.zip"));
    writeFileSync(join(out, "c-2.0-linux.tar.gz"), "C");
    await updateOutChecksums(out, new Map([["c-2.0-linux.tar.gz", sha("C")]]));
    expect(readFileSync(join(out, "SHA256SUMS"), "utf8")).toBe(`${sha("A-old")}  a-1.0-linux.tar.gz\n${sha("C")}  c-2.0-linux.tar.gz\n`);
    expect(readdirSync(out).filter((n) => n.includes("SHA256SUMS.tmp"))).toEqual([]);
    writeFileSync(join(out, "SHA256SUMS"), "");
    await updateOutChecksums(out, new Map());
    const check = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: out, encoding: "utf8" });
    expect(check.stdout).toBe("a-1.0-linux.tar.gz: OK\nc-2.0-linux.tar.gz: OK\n");
    expect(check.status).toBe(0);
  });

  it("writes nothing when --out holds no archive (dir bundles only)", async () => {
    const out = join(dir, "dirs");
    mkdirSync(join(out, "x-1.0-linux"), { recursive: true });
    expect(await updateOutChecksums(out, new Map())).toBeNull();
    expect(readdirSync(out)).toEqual(["x-1.0-linux"]);
  });
});
