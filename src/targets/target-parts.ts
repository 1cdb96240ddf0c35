/**
 * The parts a target is made of: the parsed PLATFORM and PYTHON halves of `--target`. Kept apart
 * from target.ts so that marker-env.ts (which target.ts uses) need not import target.ts back.
 */

export type TargetOs = "linux" | "macos" | "windows";

/** What a parsed PLATFORM part describes. */
export interface TargetPlatform {
  platform: string;
  os: TargetOs;
  arch: string;
  libc?: { family: "glibc" | "musl"; major: number; minor: number };
  macos?: { major: number; minor: number };
  /** Compatible platform tags, best first. */
  platforms: string[];
}

/** What a parsed PYTHON part describes. */
export interface TargetPython {
  implementation: "cpython" | "pypy";
  major: number;
  minor: number;
  /** Present when the user gave a full version. */
  micro?: number;
  /** Pre-release suffix of a full version: "a1", "b2", "rc1". */
  pre?: string;
  freeThreaded: boolean;
}
