/**
 * Where a file listing came from: an index, a find-links source, a lock or a direct reference.
 * Shared by the index readers (src/index) and the planner (src/plan), which may import this
 * module but not src/index (docs/architecture.md, "What each layer may import").
 */
import type { SafeUrl } from "../text/safe-url.js";

export interface SourceInfo {
  /** The named index's name, "pypi", "index-url", "extra-index-url", "find-links" (+ " #n" when several). */
  name: string;
  /** URL (or path, for a lock) of the source; prints redacted. */
  url: SafeUrl;
  /** "lock" and "direct" are files named by a pylock.toml or a wheel URL/path in requirements. */
  kind: "index" | "find-links" | "lock" | "direct";
}
