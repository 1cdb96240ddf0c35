/**
 * The minimum macOS version a Mach-O file (thin or universal) was built for: LC_BUILD_VERSION
 * (platform macOS) or the older LC_VERSION_MIN_MACOSX, per architecture slice. Untrusted input:
 * offsets and counts are bounds-checked, loops capped. Pure: no I/O.
 */

export interface MachoSlice {
  /** "x86_64", "arm64", or "cpu<N>" for others. */
  arch: string;
  /** [major, minor], or null when the slice names no macOS minimum. */
  minos: [number, number] | null;
}

const MH_MAGIC = 0xfeedface;
const MH_MAGIC_64 = 0xfeedfacf;
const FAT_MAGIC = 0xcafebabe;
const FAT_MAGIC_64 = 0xcafebabf;
const LC_VERSION_MIN_MACOSX = 0x24;
const LC_BUILD_VERSION = 0x32;
const PLATFORM_MACOS = 1;
const MAX_COMMANDS = 10_000;
const MAX_FAT_ARCHS = 64;

export class MachoError extends Error {}

function cpuName(cpu: number): string {
  return cpu === 0x01000007 ? "x86_64" : cpu === 0x0100000c ? "arm64" : cpu === 7 ? "i386" : `cpu${cpu}`;
}

export function isMacho(b: Uint8Array): boolean {
  if (b.length < 8) return false;
  const be = Buffer.from(b.buffer, b.byteOffset, 8).readUInt32BE(0);
  const le = Buffer.from(b.buffer, b.byteOffset, 8).readUInt32LE(0);
  if (le === MH_MAGIC || le === MH_MAGIC_64 || be === MH_MAGIC || be === MH_MAGIC_64) return true;
  // 0xcafebabe is also a Java class file: a fat header has a small architecture count.
  if (be === FAT_MAGIC || be === FAT_MAGIC_64) {
    const n = Buffer.from(b.buffer, b.byteOffset, 8).readUInt32BE(4);
    return n > 0 && n <= MAX_FAT_ARCHS;
  }
  return false;
}

function check(buf: Buffer, off: number, n: number): void {
  if (!Number.isSafeInteger(off) || off < 0 || off + n > buf.length) throw new MachoError(`offset ${off} (+${n}) is outside the file (${buf.length} bytes)`);
}

/** X.Y.Z packed as xxxx.yy.zz nibbles -> [X, Y]. */
function unpack(v: number): [number, number] {
  return [v >>> 16, (v >>> 8) & 0xff];
}

function thin(buf: Buffer, start: number, end: number): MachoSlice {
  check(buf, start, 28);
  const magicLe = buf.readUInt32LE(start);
  const le = magicLe === MH_MAGIC || magicLe === MH_MAGIC_64;
  const u32 = (o: number) => {
    if (o + 4 > end) throw new MachoError(`offset ${o} is outside its slice`);
    check(buf, o, 4);
    return le ? buf.readUInt32LE(o) : buf.readUInt32BE(o);
  };
  const magic = u32(start);
  if (magic !== MH_MAGIC && magic !== MH_MAGIC_64) throw new MachoError("not a Mach-O slice");
  const cpu = u32(start + 4);
  const ncmds = u32(start + 16);
  if (ncmds > MAX_COMMANDS) throw new MachoError(`${ncmds} load commands`);
  let off = start + (magic === MH_MAGIC_64 ? 32 : 28);
  let minos: [number, number] | null = null;
  for (let i = 0; i < ncmds; i++) {
    const cmd = u32(off);
    const size = u32(off + 4);
    if (size < 8) throw new MachoError(`load command ${i} has size ${size}`);
    if (cmd === LC_BUILD_VERSION && u32(off + 8) === PLATFORM_MACOS) minos = unpack(u32(off + 12));
    else if (cmd === LC_VERSION_MIN_MACOSX && minos === null) minos = unpack(u32(off + 8));
    off += size;
  }
  return { arch: cpuName(cpu), minos };
}

/** Every slice of a thin or universal Mach-O file; throws MachoError on a malformed file. */
export function readMacho(buf: Buffer): MachoSlice[] {
  if (!isMacho(buf)) throw new MachoError("not a Mach-O file");
  const be = buf.readUInt32BE(0);
  if (be !== FAT_MAGIC && be !== FAT_MAGIC_64) return [thin(buf, 0, buf.length)];
  const n = buf.readUInt32BE(4);
  const wide = be === FAT_MAGIC_64;
  const out: MachoSlice[] = [];
  for (let i = 0; i < n; i++) {
    const o = 8 + i * (wide ? 32 : 20);
    check(buf, o, wide ? 32 : 20);
    const offset = wide ? Number(buf.readBigUInt64BE(o + 8)) : buf.readUInt32BE(o + 8);
    const size = wide ? Number(buf.readBigUInt64BE(o + 16)) : buf.readUInt32BE(o + 12);
    check(buf, offset, size);
    out.push(thin(buf, offset, offset + size));
  }
  return out;
}
