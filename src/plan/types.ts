/**
 * Plain data the planner consumes and produces. The planner is pure: it reaches the outside world
 * only through the `PlanSource` it is given (index listings and METADATA), so tests drive it with
 * in-memory data and `lock --json` prints its result as is.
 */
import type { CoreMetadata } from "../pypa/metadata.js";
import type { Requirement } from "../pypa/requirement.js";
import type { Target } from "../targets/target.js";
import type { IndexFile } from "../model/index-file.js";
import type { SourceInfo } from "../model/source-info.js";

/** One file of a project as an index, a find-links source, a lock or a direct reference lists it. */
export type CandidateFile = IndexFile;

export interface ProjectFiles {
  name: string;
  files: CandidateFile[];
  source: SourceInfo;
}

export interface PlanSource {
  getProject(name: string): Promise<ProjectFiles | null>;
  fetchMetadata(file: CandidateFile): Promise<string>;
}

/** A top-level input requirement with where it came from (for messages) and its allowed hashes. */
export interface InputRequirement {
  requirement: Requirement;
  /** "sha256:<hex>" entries from --hash, or from a pylock. Empty = any hash. */
  hashes: string[];
  origin: string;
  /** Restrict candidates to these files (a pylock input never switches to an unlisted file). */
  files?: CandidateFile[];
  /** False for packages a resolver or a lock marks as not requested by the user. Default true. */
  requested?: boolean;
}

export interface PlannedPackage {
  /** Canonical (PEP 503) name. */
  name: string;
  version: string;
  file: CandidateFile;
  sha256: string | null;
  requested: boolean;
  /** "alg:hex" values the user's --hash (or a lock) allows; the downloader enforces them. */
  allowedHashes: string[];
  extras: string[];
  /** Why it is here: the first chain that reached it, e.g. ["django==5.2", "asgiref>=3.8"]. */
  chain: string[];
  /** The METADATA planning read (PEP 658 sidecar, range read or lock), parsed once. */
  metadata: CoreMetadata;
}

export interface TargetPlan {
  target: Target;
  packages: PlannedPackage[];
  warnings: string[];
}

export interface Plan {
  targets: TargetPlan[];
}

export interface PlanOptions {
  pre: boolean;
  /** Resolve unpinned requirements instead of refusing them (E_NOT_PINNED). */
  resolve: boolean;
  excludeNewer?: Date;
  maxSteps: number;
}
