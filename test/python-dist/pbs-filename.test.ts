import { describe, expect, it } from "vitest";
import { parsePbsFilename, pbsTripleFor } from "../../src/python-dist/pbs-filename.js";

describe("parsePbsFilename", () => {
  it("reads an install_only_stripped linux archive", () => {
    const n = parsePbsFilename("cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz");
    expect(n).toMatchObject({ version: "3.12.4", major: 3, minor: 12, patch: 4, pre: "", build: "20240726", triple: "x86_64-unknown-linux-gnu", arch: "x86_64", os: "linux", libc: "glibc", freeThreaded: false, kind: "install_only_stripped" });
  });
  it("reads macOS, Windows (old -shared- names), musl and pre-releases", () => {
    expect(parsePbsFilename("cpython-3.11.9+20240415-aarch64-apple-darwin-install_only.tar.gz")).toMatchObject({ os: "macos", arch: "aarch64", libc: null, kind: "install_only" });
    expect(parsePbsFilename("cpython-3.10.11+20230507-x86_64-pc-windows-msvc-shared-install_only.tar.gz")).toMatchObject({ os: "windows", kind: "install_only" });
    expect(parsePbsFilename("cpython-3.12.4+20240726-x86_64-unknown-linux-musl-install_only.tar.gz")).toMatchObject({ libc: "musl", triple: "x86_64-unknown-linux-musl" });
    expect(parsePbsFilename("cpython-3.14.0rc1+20250723-x86_64-unknown-linux-gnu-install_only.tar.gz")).toMatchObject({ version: "3.14.0rc1", pre: "rc1", patch: 0 });
    expect(parsePbsFilename("cpython-3.13.0+20241016-aarch64-unknown-linux-gnu-freethreaded-install_only.tar.gz")).toMatchObject({ freeThreaded: true, kind: "install_only" });
  });
  it("parses other flavours and extensions with kind null, and refuses non-PBS names", () => {
    expect(parsePbsFilename("cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-debug-full.tar.zst")?.kind).toBeNull();
    expect(parsePbsFilename("cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only.tar.zst")?.kind).toBeNull();
    expect(parsePbsFilename("cpython-3.13.0+20241016-x86_64-unknown-linux-gnu-freethreaded+pgo+lto-full.tar.zst")).toMatchObject({ kind: null, freeThreaded: true });
    expect(parsePbsFilename("cpython-3.12.4+20240726-x86_64_v3-unknown-linux-gnu-install_only.tar.gz")?.triple).toBe("x86_64_v3-unknown-linux-gnu");
    for (const bad of ["python-3.12.4.tar.gz", "cpython-3.12+20240726-x86_64-unknown-linux-gnu-install_only.tar.gz", "cpython-3.12.4+20240726-x86_64-unknown-freebsd-install_only.tar.gz", "cpython-3.12.4-x86_64-unknown-linux-gnu-install_only.tar.gz", ""]) {
      expect(parsePbsFilename(bad)).toBeNull();
    }
  });
});

describe("pbsTripleFor", () => {
  it("maps target os/arch/libc to PBS triples", () => {
    expect(pbsTripleFor({ os: "linux", arch: "x86_64", libc: { family: "glibc" } })).toBe("x86_64-unknown-linux-gnu");
    expect(pbsTripleFor({ os: "linux", arch: "aarch64", libc: { family: "musl" } })).toBe("aarch64-unknown-linux-musl");
    expect(pbsTripleFor({ os: "linux", arch: "armv7l", libc: { family: "glibc" } })).toBe("armv7-unknown-linux-gnueabihf");
    expect(pbsTripleFor({ os: "macos", arch: "arm64" })).toBe("aarch64-apple-darwin");
    expect(pbsTripleFor({ os: "macos", arch: "x86_64" })).toBe("x86_64-apple-darwin");
    expect(pbsTripleFor({ os: "windows", arch: "x86_64" })).toBe("x86_64-pc-windows-msvc");
    expect(pbsTripleFor({ os: "windows", arch: "x86" })).toBe("i686-pc-windows-msvc");
    expect(pbsTripleFor({ os: "windows", arch: "arm64" })).toBe("aarch64-pc-windows-msvc");
    expect(pbsTripleFor({ os: "macos", arch: "ppc" })).toBeNull();
  });
});
