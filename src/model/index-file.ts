/**
 * What an index, a find-links source or the cache says about a project's files. The index
 * readers (src/index) produce these; the planner's CandidateFile (src/plan/types.ts) is this type.
 */
import type { SafeUrl } from "../text/safe-url.js";
import type { SourceInfo } from "./source-info.js";

export interface IndexFile {
  filename: string;
  /**
   * Absolute, without fragment; credentials are never added here (the Net knows them per host),
   * but a query may carry a token. Shown as `url.display`, written to files as `url.public`,
   * requested with `url.reveal()`.
   */
  url: SafeUrl;
  /** Lowercase algorithm -> lowercase hex (from the JSON `hashes` or the URL's `#alg=hex`). */
  hashes: Record<string, string>;
  /** Set when the index gave a malformed digest for the file (not hex, wrong length): using the file is E_INTEGRITY. */
  hashProblem?: string;
  requiresPython?: string;
  /** false, or the reason ("" when none was given). */
  yanked: false | string;
  /** PEP 658/714: false, true (no hash given) or the sidecar's hashes. */
  coreMetadata: false | true | Record<string, string>;
  size?: number;
  uploadTime?: string;
  /** PEP 740: absolute URL of the file's provenance object, when the index offers one. */
  provenance?: SafeUrl;
  source: SourceInfo;
}

export interface ProjectListing {
  /** Canonical (PEP 503) name. */
  name: string;
  files: IndexFile[];
  source: SourceInfo;
  /** PEP 629 version of the page ("1.0" when the page does not say). */
  apiVersion?: string;
}
