/**
 * The version of python3's `packaging` when it can read pylock.toml (packaging >= 25 has
 * `packaging.pylock`), else null: tests that check our locks with packaging's Pylock skip without it.
 */
import { execFileSync } from "node:child_process";

export function pylockPackagingVersion(): string | null {
  try {
    const v = execFileSync("python3", ["-c", "import packaging.pylock, packaging; print(packaging.__version__)"], { encoding: "utf8" }).trim();
    return Number(v.split(".")[0]) >= 25 ? v : null;
  } catch {
    return null;
  }
}
