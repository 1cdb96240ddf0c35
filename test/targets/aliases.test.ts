// The alias table: every alias is a valid target, names are unique, typos get a suggestion.
import { describe, expect, it } from "vitest";
import { TARGET_ALIASES, lookupAlias, suggestAlias } from "../../src/targets/aliases.js";
import { parseTarget } from "../../src/targets/parse-target.js";

describe("alias table", () => {
  it("has unique names, each mapping to a platform that parses to itself", () => {
    const names = TARGET_ALIASES.map((a) => a.alias);
    expect(new Set(names).size).toBe(names.length);
    for (const a of TARGET_ALIASES) {
      expect(parseTarget(`${a.platform}@3.12`).platform).toBe(a.platform);
      expect(parseTarget(`${a.alias}@3.12`).platform).toBe(a.platform);
    }
  });

  it("includes the spec's aliases and uv's python-platform names", () => {
    for (const n of ["linux-x86_64", "linux-aarch64", "linux-musl-x86_64", "linux-musl-aarch64", "macos-arm64", "macos-x86_64", "windows-amd64", "windows-arm64", "windows-x86"]) {
      expect(lookupAlias(n)?.source).toBe("wheelbarrow");
    }
    for (const n of ["x86_64-unknown-linux-gnu", "aarch64-apple-darwin", "x86_64-pc-windows-msvc", "x86_64-manylinux_2_28", "aarch64-manylinux2014", "ppc64le-manylinux_2_40", "loongarch64-manylinux_2_36", "riscv64-unknown-linux", "i686-pc-windows-msvc"]) {
      expect(lookupAlias(n)?.source).toBe("uv");
    }
    expect(lookupAlias("loongarch64-manylinux_2_17")).toBeUndefined();
    expect(lookupAlias("LINUX-AARCH64")?.platform).toBe("manylinux_2_17_aarch64");
  });

  it("suggests a close alias, and nothing for unrelated input", () => {
    expect(suggestAlias("linux-x86-64")).toBe("linux-x86_64");
    expect(suggestAlias("macos-amr64")).toBe("macos-arm64");
    expect(suggestAlias("solaris-sparc")).toBeUndefined();
  });
});
