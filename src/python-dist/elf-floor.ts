/**
 * What an ELF file asks of the C library: the highest `GLIBC_x.y` version it needs (from the
 * `.gnu.version_r` / SHT_GNU_verneed section) and its machine. Input is untrusted: every offset
 * and count is bounds-checked and loops are capped, so a hostile file gives an error, never a
 * hang or an out-of-range read. Pure: no I/O.
 */

export interface ElfInfo {
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_machine: 62 x86_64, 183 aarch64, 3 i386, 40 arm, 21 ppc64, 22 s390, 243 riscv. */
  machine: number;
  /** Highest GLIBC_x.y needed, or null when the file needs no versioned glibc symbol. */
  glibc: [number, number] | null;
}

const SHT_GNU_VERNEED = 0x6ffffffe;
const MAX_SECTIONS = 65535;
const MAX_ENTRIES = 100_000;

export class ElfError extends Error {}

export function isElf(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

class Reader {
  constructor(
    private readonly b: Buffer,
    private readonly le: boolean,
  ) {}
  private check(off: number, n: number): void {
    if (!Number.isSafeInteger(off) || off < 0 || off + n > this.b.length) throw new ElfError(`offset ${off} (+${n}) is outside the file (${this.b.length} bytes)`);
  }
  u16(off: number): number {
    this.check(off, 2);
    return this.le ? this.b.readUInt16LE(off) : this.b.readUInt16BE(off);
  }
  u32(off: number): number {
    this.check(off, 4);
    return this.le ? this.b.readUInt32LE(off) : this.b.readUInt32BE(off);
  }
  u64(off: number): number {
    this.check(off, 8);
    const v = this.le ? this.b.readBigUInt64LE(off) : this.b.readBigUInt64BE(off);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`value at ${off} is too large`);
    return Number(v);
  }
  cstr(off: number): string {
    this.check(off, 1);
    const end = this.b.indexOf(0, off);
    if (end < 0) throw new ElfError(`string at ${off} is not terminated`);
    return this.b.toString("latin1", off, Math.min(end, off + 256));
  }
}

/** Parses the version needs of an ELF file; throws ElfError on a malformed file. */
export function readElf(buf: Buffer): ElfInfo {
  if (!isElf(buf)) throw new ElfError("not an ELF file");
  if (buf.length < 52) throw new ElfError("truncated ELF header");
  const cls = buf[4];
  const data = buf[5];
  if (cls !== 1 && cls !== 2) throw new ElfError(`bad ELF class ${cls}`);
  if (data !== 1 && data !== 2) throw new ElfError(`bad ELF data encoding ${data}`);
  const bits = cls === 2 ? 64 : 32;
  const r = new Reader(buf, data === 1);
  const machine = r.u16(18);
  const shoff = bits === 64 ? r.u64(0x28) : r.u32(0x20);
  const shentsize = r.u16(bits === 64 ? 0x3a : 0x2e);
  const shnum = r.u16(bits === 64 ? 0x3c : 0x30);
  const info: ElfInfo = { bits, littleEndian: data === 1, machine, glibc: null };
  if (shoff === 0 || shnum === 0) return info;
  if (shnum > MAX_SECTIONS || shentsize < (bits === 64 ? 64 : 40)) throw new ElfError(`bad section header table (${shnum} entries of ${shentsize} bytes)`);
  const section = (i: number) => {
    const o = shoff + i * shentsize;
    return bits === 64
      ? { type: r.u32(o + 4), offset: r.u64(o + 0x18), size: r.u64(o + 0x20), link: r.u32(o + 0x28), info: r.u32(o + 0x2c) }
      : { type: r.u32(o + 4), offset: r.u32(o + 0x10), size: r.u32(o + 0x14), link: r.u32(o + 0x18), info: r.u32(o + 0x1c) };
  };
  let best: [number, number] | null = null;
  let budget = MAX_ENTRIES;
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== SHT_GNU_VERNEED) continue;
    if (s.link >= shnum) throw new ElfError(`version needs link to section ${s.link} of ${shnum}`);
    const strtab = section(s.link);
    const end = s.offset + s.size;
    if (end > buf.length) throw new ElfError("version needs section is outside the file");
    const str = (o: number) => {
      if (o >= strtab.size) throw new ElfError(`string ${o} is outside its table`);
      return r.cstr(strtab.offset + o);
    };
    let vn = s.offset;
    for (let n = 0; n < Math.max(1, s.info); n++) {
      if (--budget < 0) throw new ElfError("too many version entries");
      const cnt = r.u16(vn + 2);
      const aux = r.u32(vn + 8);
      const next = r.u32(vn + 12);
      let a = vn + aux;
      for (let k = 0; k < cnt; k++) {
        if (--budget < 0) throw new ElfError("too many version entries");
        if (a + 16 > end) throw new ElfError("version entry runs past its section");
        const m = /^GLIBC_(\d+)\.(\d+)(?:\.\d+)?$/.exec(str(r.u32(a + 8)));
        if (m) {
          const v: [number, number] = [Number(m[1]), Number(m[2])];
          if (!best || v[0] > best[0] || (v[0] === best[0] && v[1] > best[1])) best = v;
        }
        const an = r.u32(a + 12);
        if (an === 0) break;
        a += an;
      }
      if (next === 0) break;
      vn += next;
      if (vn >= end) throw new ElfError("version needs chain runs past its section");
    }
  }
  info.glibc = best;
  return info;
}
