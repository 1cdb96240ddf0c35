/**
 * Names for the PLATFORM part of `--target PLATFORM@PYTHON` besides raw platform tags.
 *
 * wheelbarrow's own aliases name the most widely compatible baseline of each OS/arch:
 * - linux-<arch> = manylinux_2_17_<arch> (manylinux2014, glibc 2.17: what most binary wheels
 *   on PyPI are built for);
 * - linux-musl-<arch> = musllinux_1_2_<arch> (musl 1.2: Alpine 3.13 and newer);
 * - macos-arm64 = macosx_11_0_arm64 (the first macOS on Apple silicon);
 * - macos-x86_64 = macosx_10_13_x86_64: the oldest macOS the python.org installers of CPython
 *   3.12+ support; an older Mac needs an explicit tag (macosx_10_9_x86_64);
 * - windows-amd64 / windows-x86_64, windows-arm64, windows-x86 = win_amd64, win_arm64, win32.
 *
 * uv's `--python-platform` names are accepted with uv's meanings (uv's TargetTriple): the
 * `*-unknown-linux-gnu` triples are manylinux_2_28 (loongarch64 2_36, riscv64 2_39), the musl
 * triples musllinux_1_2, the `*-apple-darwin` triples macOS 13.0 (uv's default; wheelbarrow does
 * not read MACOSX_DEPLOYMENT_TARGET: write the tag, e.g. macosx_12_0_arm64, for another
 * version), and `<arch>-manylinux2014` / `<arch>-manylinux_2_<N>` as named. uv's Android, iOS and
 * Pyodide targets are not supported: a bundle installs into a venv.
 */
import { editDistance } from "../util/edit-distance.js";

export interface TargetAlias {
  alias: string;
  platform: string;
  source: "wheelbarrow" | "uv";
}

const OWN: [string, string][] = [
  ["linux-x86_64", "manylinux_2_17_x86_64"],
  ["linux-aarch64", "manylinux_2_17_aarch64"],
  ["linux-i686", "manylinux_2_17_i686"],
  ["linux-armv7l", "manylinux_2_17_armv7l"],
  ["linux-ppc64le", "manylinux_2_17_ppc64le"],
  ["linux-s390x", "manylinux_2_17_s390x"],
  ["linux-musl-x86_64", "musllinux_1_2_x86_64"],
  ["linux-musl-aarch64", "musllinux_1_2_aarch64"],
  ["macos-arm64", "macosx_11_0_arm64"],
  ["macos-x86_64", "macosx_10_13_x86_64"],
  ["windows-amd64", "win_amd64"],
  ["windows-x86_64", "win_amd64"],
  ["windows-arm64", "win_arm64"],
  ["windows-x86", "win32"],
];

function uvNames(): [string, string][] {
  const out: [string, string][] = [
    ["linux", "manylinux_2_28_x86_64"],
    ["macos", "macosx_13_0_arm64"],
    ["windows", "win_amd64"],
    ["x86_64-pc-windows-msvc", "win_amd64"],
    ["aarch64-pc-windows-msvc", "win_arm64"],
    ["arm64-pc-windows-msvc", "win_arm64"],
    ["i686-pc-windows-msvc", "win32"],
    ["x86_64-unknown-linux-gnu", "manylinux_2_28_x86_64"],
    ["aarch64-unknown-linux-gnu", "manylinux_2_28_aarch64"],
    ["s390x-unknown-linux-gnu", "manylinux_2_28_s390x"],
    ["powerpc64le-unknown-linux-gnu", "manylinux_2_28_ppc64le"],
    ["loongarch64-unknown-linux-gnu", "manylinux_2_36_loongarch64"],
    ["riscv64-unknown-linux", "manylinux_2_39_riscv64"],
    ["x86_64-unknown-linux-musl", "musllinux_1_2_x86_64"],
    ["aarch64-unknown-linux-musl", "musllinux_1_2_aarch64"],
    ["aarch64-apple-darwin", "macosx_13_0_arm64"],
    ["x86_64-apple-darwin", "macosx_13_0_x86_64"],
  ];
  const glibcMinors = [17, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40];
  for (const arch of ["x86_64", "aarch64", "s390x", "ppc64le"]) {
    out.push([`${arch}-manylinux2014`, `manylinux_2_17_${arch}`]);
    for (const m of glibcMinors) out.push([`${arch}-manylinux_2_${m}`, `manylinux_2_${m}_${arch}`]);
  }
  for (const m of [36, 37, 38, 39, 40]) out.push([`loongarch64-manylinux_2_${m}`, `manylinux_2_${m}_loongarch64`]);
  return out;
}

export const TARGET_ALIASES: readonly TargetAlias[] = [
  ...OWN.map(([alias, platform]) => ({ alias, platform, source: "wheelbarrow" as const })),
  ...uvNames().map(([alias, platform]) => ({ alias, platform, source: "uv" as const })),
];

const BY_NAME = new Map(TARGET_ALIASES.map((a) => [a.alias, a]));

/** The alias of that name (case-insensitive), if any. */
export function lookupAlias(name: string): TargetAlias | undefined {
  return BY_NAME.get(name.toLowerCase());
}


/** The closest alias to a mistyped name, when one is close enough to be a plausible typo. */
export function suggestAlias(name: string): string | undefined {
  const lower = name.toLowerCase();
  let best: { alias: string; d: number } | undefined;
  for (const a of TARGET_ALIASES) {
    const d = editDistance(lower, a.alias);
    if (!best || d < best.d) best = { alias: a.alias, d };
  }
  return best && best.d <= Math.max(2, Math.floor(lower.length / 5)) ? best.alias : undefined;
}
