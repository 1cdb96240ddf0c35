import { describe, expect, it } from "vitest";
import { selectDist, type DistTarget } from "../../src/python-dist/select-dist.js";
import { errorOf } from "../helpers/error-of.js";

const h = (n: number) => n.toString(16).padStart(64, "0");
const names = [
  "cpython-3.12.3+20240415-x86_64-unknown-linux-gnu-install_only.tar.gz",
  "cpython-3.12.4+20240713-x86_64-unknown-linux-gnu-install_only.tar.gz",
  "cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only.tar.gz",
  "cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz",
  "cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-debug-full.tar.zst",
  "cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-pgo+lto-full.tar.zst",
  "cpython-3.12.4+20240726-aarch64-unknown-linux-gnu-install_only.tar.gz",
  "cpython-3.12.4+20240726-x86_64-unknown-linux-musl-install_only.tar.gz",
  "cpython-3.13.0+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
  "cpython-3.13.0+20241016-x86_64-unknown-linux-gnu-freethreaded-install_only.tar.gz",
  "cpython-3.13.1rc1+20241201-x86_64-unknown-linux-gnu-install_only.tar.gz",
  "cpython-3.12.5+20240814-x86_64-unknown-linux-gnu-install_only.tar.zst",
  "cpython-3.12.4+20240726-aarch64-apple-darwin-install_only.tar.gz",
  "cpython-3.12.4+20240726-x86_64-pc-windows-msvc-install_only.tar.gz",
  "SHA256SUMS.asc",
];
const entries = names.map((path, i) => ({ path, sha256: h(i) }));
const linux = (py: string, extra: Partial<DistTarget> = {}): DistTarget => ({ spec: `manylinux_2_17_x86_64@${py}`, os: "linux", arch: "x86_64", libc: { family: "glibc" }, implementation: "cpython", pythonVersion: py, freeThreaded: false, ...extra });

describe("selectDist", () => {
  it("X.Y takes the newest patch, then the newest build, then stripped; zst and other flavours are ignored", () => {
    const s = selectDist(entries, linux("3.12"), "M");
    expect(s.name.filename).toBe("cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz");
    expect(s.sha256).toBe(h(3));
  });
  it("X.Y.Z takes exactly that version", () => {
    expect(selectDist(entries, linux("3.12.3"), "M").name.filename).toBe(names[0]);
  });
  it("pre-releases only when named; free-threaded only for free-threaded targets", () => {
    expect(selectDist(entries, linux("3.13"), "M").name.version).toBe("3.13.0");
    expect(selectDist(entries, linux("3.13.1rc1"), "M").name.version).toBe("3.13.1rc1");
    expect(selectDist(entries, linux("3.13", { freeThreaded: true }), "M").name.filename).toBe(names[9]);
  });
  it("picks by triple: aarch64, musl, macOS arm64, Windows", () => {
    expect(selectDist(entries, linux("3.12", { arch: "aarch64" }), "M").name.triple).toBe("aarch64-unknown-linux-gnu");
    expect(selectDist(entries, linux("3.12", { libc: { family: "musl" } }), "M").name.triple).toBe("x86_64-unknown-linux-musl");
    expect(selectDist(entries, { ...linux("3.12"), os: "macos", arch: "arm64", libc: null }, "M").name.triple).toBe("aarch64-apple-darwin");
    expect(selectDist(entries, { ...linux("3.12"), os: "windows", arch: "x86_64", libc: null }, "M").name.triple).toBe("x86_64-pc-windows-msvc");
  });
  it("no fit: E_PYTHON_DIST listing what the mirror has for the triple", () => {
    const e = errorOf(() => selectDist(entries, linux("3.11"), "https://mirror/pbs/"));
    expect(e.code).toBe("E_PYTHON_DIST");
    expect(e.message).toContain("CPython 3.11 for x86_64-unknown-linux-gnu");
    expect(e.message).toContain("https://mirror/pbs/");
    expect(e.hints[0]).toBe("it has for x86_64-unknown-linux-gnu: 3.13.1rc1+20241201, 3.13.0+20241016, 3.12.4+20240726, 3.12.4+20240713, 3.12.3+20240415");
    const none = errorOf(() => selectDist(entries, linux("3.12", { arch: "s390x" }), "M"));
    expect(none.hints[0]).toContain("no install_only archive for s390x-unknown-linux-gnu at all");
  });
  it("a PyPy target gets no python-build-standalone interpreter: E_PYTHON_DIST", () => {
    expect(errorOf(() => selectDist(entries, linux("3.10", { implementation: "pypy" }), "M")).code).toBe("E_PYTHON_DIST");
  });
});
