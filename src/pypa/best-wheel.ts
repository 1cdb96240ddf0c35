/**
 * Choosing the best wheel of one version for a target (PEP 425 tag order, as pip "Choosing the best
 * wheel"): a wheel's rank is the lowest index, in the target's ordered supported-tag list, of any
 * tag in its expanded set; no supported tag -> not installable. Lower rank wins; between equal
 * ranks the higher build tag wins (no build tag is lowest); a remaining tie keeps input order.
 * Version, hashes, yanked and Requires-Python are decided by the caller (src/plan).
 */
import { compareBuildTags, parseWheelFilename, type WheelFilename } from "./dist-filename.js";
import { tagIndexOf } from "./platform-tags.js";

/** Anything carrying the tag index of a target (a Target does). */
export interface TagRanking {
  tagIndex: ReadonlyMap<string, number>;
}

/** Lowest index of any of `tags` in `supported`; null when none is supported. */
export function tagRank(tags: readonly string[], supported: readonly string[] | ReadonlyMap<string, number>): number | null {
  const index = isMap(supported) ? supported : tagIndexOf(supported);
  let best: number | null = null;
  for (const t of tags) {
    const i = index.get(t);
    if (i !== undefined && (best === null || i < best)) best = i;
  }
  return best;
}

function isMap(x: readonly string[] | ReadonlyMap<string, number>): x is ReadonlyMap<string, number> {
  return !Array.isArray(x);
}

export interface RankedWheel<T> {
  file: T;
  wheel: WheelFilename;
  rank: number;
}

/**
 * The installable wheels among `files`, best first. Files that are not valid wheel names or have
 * no tag the target supports are left out.
 */
export function rankWheels<T extends { filename: string }>(files: readonly T[], target: TagRanking): RankedWheel<T>[] {
  const ranked: (RankedWheel<T> & { order: number })[] = [];
  files.forEach((file, order) => {
    let wheel: WheelFilename;
    try {
      wheel = parseWheelFilename(file.filename);
    } catch {
      return;
    }
    const rank = tagRank(wheel.tags, target.tagIndex);
    if (rank !== null) ranked.push({ file, wheel, rank, order });
  });
  ranked.sort((a, b) => a.rank - b.rank || compareBuildTags(b.wheel.build, a.wheel.build) || a.order - b.order);
  return ranked.map(({ file, wheel, rank }) => ({ file, wheel, rank }));
}

/** The one file a target installs among wheels of the same version, or null if none fits. */
export function pickBestWheel<T extends { filename: string }>(files: readonly T[], target: TagRanking): T | null {
  return rankWheels(files, target)[0]?.file ?? null;
}
