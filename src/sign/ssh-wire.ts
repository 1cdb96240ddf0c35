/**
 * The SSH wire encoding (RFC 4251 section 5): uint32 big-endian, and `string` = uint32 length +
 * bytes. The reader is bounds-checked: every read past the end throws a SshWireError naming what
 * was being read, so a hostile signature, key or agent reply is an ordinary input error.
 * Pure: no I/O.
 */

export class SshWireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SshWireError";
  }
}

export class SshReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  bytes(n: number, what: string): Buffer {
    if (!Number.isInteger(n) || n < 0 || n > this.remaining) throw new SshWireError(`truncated ${what} (needs ${n} bytes, ${this.remaining} left)`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  byte(what: string): number {
    return this.bytes(1, what)[0] as number;
  }

  uint32(what: string): number {
    return this.bytes(4, what).readUInt32BE(0);
  }

  string(what: string): Buffer {
    return this.bytes(this.uint32(`${what} length`), what);
  }

  /** A string that must be printable ASCII (names such as key types and namespaces). */
  text(what: string, max = 1024): string {
    const b = this.string(what);
    if (b.length > max) throw new SshWireError(`${what} is too long (${b.length} bytes)`);
    for (const c of b) if (c < 0x20 || c > 0x7e) throw new SshWireError(`${what} holds a non-printable byte`);
    return b.toString("latin1");
  }

  /** Throws unless everything was read. */
  end(what: string): void {
    if (this.remaining !== 0) throw new SshWireError(`${this.remaining} unexpected trailing bytes after ${what}`);
  }
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export function sshString(data: Buffer | string): Buffer {
  const b = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([u32(b.length), b]);
}
