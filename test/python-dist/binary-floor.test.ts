/**
 * ELF glibc floors against readelf on real binaries of this machine; Mach-O minimum macOS from
 * headers built here (no macOS binaries on a Linux host); hostile input (truncations, random
 * byte flips) only ever gives ElfError/MachoError.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ElfError, isElf, readElf } from "../../src/python-dist/elf-floor.js";
import { MachoError, isMacho, readMacho } from "../../src/python-dist/macho-floor.js";

function readelfFloor(path: string): string | null {
  const all = execFileSync("readelf", ["-V", "-W", path], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  // Only the needs (.gnu.version_r), not the versions a library defines.
  const start = all.indexOf("Version needs section");
  const out = start < 0 ? "" : all.slice(start);
  const vs = [...out.matchAll(/Name: GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
  vs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const v = vs[vs.length - 1];
  return v ? `${v[0]}.${v[1]}` : null;
}

const hasReadelf = (() => {
  try {
    execFileSync("readelf", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const samples = ["/bin/ls", "/bin/sh", "/usr/bin/tar", process.execPath, "/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6"].filter((p) => existsSync(p));

describe.skipIf(!hasReadelf)("readElf against readelf -V", () => {
  it.each(samples)("%s", (path) => {
    const buf = readFileSync(path);
    expect(isElf(buf)).toBe(true);
    const info = readElf(buf);
    const got = info.glibc ? `${info.glibc[0]}.${info.glibc[1]}` : null;
    expect(got).toBe(readelfFloor(path));
    expect(info.bits).toBe(64);
  });
});

function flipped(buf: Buffer, seed: number, n: number): Buffer {
  const out = Buffer.from(buf);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[s % out.length] = s & 0xff;
  }
  return out;
}

describe("hostile ELF input", () => {
  const real = readFileSync(samples[0] ?? process.execPath).subarray(0, 200_000);
  it("truncations and byte flips give ElfError or a result, never another error", () => {
    for (const len of [0, 3, 4, 16, 51, 52, 63, 64, 1000, 4096]) {
      try {
        readElf(real.subarray(0, len));
      } catch (e) {
        expect(e).toBeInstanceOf(ElfError);
      }
    }
    for (let seed = 1; seed <= 300; seed++) {
      try {
        readElf(flipped(real, seed, 8));
      } catch (e) {
        expect(e).toBeInstanceOf(ElfError);
      }
    }
  });
  it("an absurd section table is refused", () => {
    const b = Buffer.alloc(64);
    b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    b.writeBigUInt64LE(1n << 40n, 0x28);
    b.writeUInt16LE(64, 0x3a);
    b.writeUInt16LE(3, 0x3c);
    expect(() => readElf(b)).toThrow(ElfError);
  });
});

/** A thin 64-bit little-endian Mach-O header with the given load commands. */
function machO(cpu: number, cmds: Buffer[]): Buffer {
  const h = Buffer.alloc(32);
  h.writeUInt32LE(0xfeedfacf, 0);
  h.writeUInt32LE(cpu, 4);
  h.writeUInt32LE(2, 12);
  h.writeUInt32LE(cmds.length, 16);
  h.writeUInt32LE(cmds.reduce((a, c) => a + c.length, 0), 20);
  return Buffer.concat([h, ...cmds]);
}
const pack = (maj: number, min: number) => (maj << 16) | (min << 8);
function buildVersion(platform: number, maj: number, min: number): Buffer {
  const c = Buffer.alloc(24);
  c.writeUInt32LE(0x32, 0);
  c.writeUInt32LE(24, 4);
  c.writeUInt32LE(platform, 8);
  c.writeUInt32LE(pack(maj, min), 12);
  c.writeUInt32LE(pack(14, 0), 16);
  return c;
}
function versionMin(maj: number, min: number): Buffer {
  const c = Buffer.alloc(16);
  c.writeUInt32LE(0x24, 0);
  c.writeUInt32LE(16, 4);
  c.writeUInt32LE(pack(maj, min), 8);
  return c;
}
function fat(slices: Buffer[], cpus: number[]): Buffer {
  const head = Buffer.alloc(8 + 20 * slices.length);
  head.writeUInt32BE(0xcafebabe, 0);
  head.writeUInt32BE(slices.length, 4);
  let off = head.length;
  slices.forEach((s, i) => {
    head.writeUInt32BE(cpus[i]!, 8 + i * 20);
    head.writeUInt32BE(off, 8 + i * 20 + 8);
    head.writeUInt32BE(s.length, 8 + i * 20 + 12);
    off += s.length;
  });
  return Buffer.concat([head, ...slices]);
}

describe("readMacho", () => {
  it("LC_BUILD_VERSION (macOS platform) and LC_VERSION_MIN_MACOSX", () => {
    expect(readMacho(machO(0x0100000c, [buildVersion(1, 11, 0)]))).toEqual([{ arch: "arm64", minos: [11, 0] }]);
    expect(readMacho(machO(0x01000007, [versionMin(10, 15)]))).toEqual([{ arch: "x86_64", minos: [10, 15] }]);
    // an iOS build version is not a macOS floor
    expect(readMacho(machO(0x0100000c, [buildVersion(2, 17, 0)]))).toEqual([{ arch: "arm64", minos: null }]);
  });
  it("universal binaries: one entry per slice", () => {
    const u = fat([machO(0x01000007, [buildVersion(1, 10, 9)]), machO(0x0100000c, [buildVersion(1, 11, 0)])], [0x01000007, 0x0100000c]);
    expect(isMacho(u)).toBe(true);
    expect(readMacho(u)).toEqual([
      { arch: "x86_64", minos: [10, 9] },
      { arch: "arm64", minos: [11, 0] },
    ]);
  });
  it("a Java class file (also 0xcafebabe) is not Mach-O", () => {
    const cls = Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x41]);
    expect(isMacho(cls)).toBe(false);
  });
  it("hostile input gives MachoError", () => {
    const good = machO(0x0100000c, [buildVersion(1, 11, 0)]);
    const zeroSize = Buffer.from(good);
    zeroSize.writeUInt32LE(0, 36);
    expect(() => readMacho(zeroSize)).toThrow(MachoError);
    const many = Buffer.from(good);
    many.writeUInt32LE(1_000_000, 16);
    expect(() => readMacho(many)).toThrow(MachoError);
    const badFat = fat([good], [0x0100000c]);
    badFat.writeUInt32BE(1 << 30, 16);
    expect(() => readMacho(badFat)).toThrow(MachoError);
    for (let seed = 1; seed <= 300; seed++) {
      try {
        readMacho(flipped(good, seed, 4));
      } catch (e) {
        expect(e).toBeInstanceOf(MachoError);
      }
    }
  });
});
