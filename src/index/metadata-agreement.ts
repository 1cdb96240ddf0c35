/**
 * A PEP 658 sidecar (or a range read of the wheel on the server) is a shortcut for planning, not
 * an authority. Once a wheel is downloaded for a bundle, its own `.dist-info/METADATA` must say
 * what planning used: the same name, version, Requires-Dist and Requires-Python. Otherwise the
 * closure check proved something about a different package, and the run fails with E_INTEGRITY
 * naming both sources. The wheel's own METADATA, parsed here once, is then what the bundle uses
 * (SBOM), and its text is cached under the wheel's verified sha256.
 */
import pLimit from "p-limit";
import { WbError, WbErrorList } from "../errors.js";
import { parseMetadata, type CoreMetadata } from "../pypa/metadata.js";
import { canonicalizeName } from "../pypa/names.js";
import { parseRequirement, requirementToString } from "../pypa/requirement.js";
import { versionsEqual } from "../pypa/versions.js";
import type { Cache } from "../store/cache.js";
import type { IndexFile } from "../model/index-file.js";
import { metadataFromZip, zipFromFile } from "./zip-metadata.js";

export interface PlannedWheel {
  file: IndexFile;
  /** The METADATA planning used, as planning parsed it. */
  metadata: CoreMetadata;
}

export interface DownloadedWheel {
  path: string;
  /** Computed from the bytes by the downloader. */
  sha256: string;
}

function normalizeRequirement(text: string): string {
  try {
    return requirementToString(parseRequirement(text));
  } catch {
    return text.trim();
  }
}

function normalizeRequiresPython(text: string | undefined): string {
  return (text ?? "").replace(/\s+/g, "");
}

/** Field-by-field differences, as "Field: planned vs wheel". */
export function metadataDifferences(planned: CoreMetadata, own: CoreMetadata): string[] {
  const out: string[] = [];
  if (canonicalizeName(planned.name) !== canonicalizeName(own.name)) out.push(`Name: ${planned.name} vs ${own.name}`);
  let sameVersion: boolean;
  try {
    sameVersion = versionsEqual(planned.version, own.version);
  } catch {
    sameVersion = planned.version === own.version;
  }
  if (!sameVersion) out.push(`Version: ${planned.version} vs ${own.version}`);
  const a = planned.requiresDist.map(normalizeRequirement).sort();
  const b = own.requiresDist.map(normalizeRequirement).sort();
  if (a.join("\n") !== b.join("\n")) {
    const show = (l: string[]) => (l.length ? l.join(", ") : "(none)");
    out.push(`Requires-Dist: ${show(a)} vs ${show(b)}`);
  }
  if (normalizeRequiresPython(planned.requiresPython) !== normalizeRequiresPython(own.requiresPython)) {
    out.push(`Requires-Python: ${planned.requiresPython ?? "(none)"} vs ${own.requiresPython ?? "(none)"}`);
  }
  return out;
}

function plannedFrom(file: IndexFile): string {
  if (file.coreMetadata !== false) return `the index's metadata file ${file.url}.metadata`;
  if (file.url.isFile) return `${file.url} when it was planned`;
  return `range reads of ${file.url}`;
}

/** The wheel's own METADATA (parsed), after checking it agrees with what planning used. */
export async function checkWheelMetadata(planned: PlannedWheel, got: DownloadedWheel, cache: Cache): Promise<CoreMetadata> {
  const { file } = planned;
  // Read from these very bytes already (a wheel downloaded whole while planning, or an earlier
  // run's check): the cache keeps the wheel's own METADATA under its verified sha256.
  const cached = cache.readMetadata(got.sha256);
  let text: string | null = cached;
  try {
    text ??= await metadataFromZip(await zipFromFile(got.path), file.filename, file.url.display);
  } catch (e) {
    if (e instanceof WbError) throw e;
    throw new WbError("E_INTEGRITY", `${file.filename} from ${file.url} is not a readable wheel (zip): ${(e as Error).message}`, { details: { file: file.filename, url: file.url.display } });
  }
  let own: CoreMetadata;
  try {
    own = parseMetadata(text);
  } catch (e) {
    throw new WbError("E_INTEGRITY", `the METADATA inside ${file.filename} (${file.url}) cannot be read: ${(e as Error).message}`, {
      hint: "the wheel is broken as published; report it to its maintainers or the index's owner",
      details: { file: file.filename, url: file.url.display },
    });
  }
  const diffs = metadataDifferences(planned.metadata, own);
  if (diffs.length) {
    throw new WbError("E_INTEGRITY", `the metadata planning used for ${file.filename} (${plannedFrom(file)}) does not match the wheel's own METADATA (${file.url}): ${diffs.join("; ")}`, {
      hint: ["the index serves metadata that is not the wheel's: report it to the index's owner", "nothing was bundled; the dependency check cannot be trusted for this wheel"],
      details: { file: file.filename, url: file.url.display, planned: plannedFrom(file), differences: diffs },
    });
  }
  if (cached === null) cache.writeMetadata(got.sha256, text);
  return own;
}

/**
 * Check every distinct wheel of a plan against its downloaded file (`downloaded` is keyed by the
 * file's URL). Returns URL -> the wheel's own parsed METADATA; all disagreements are raised together.
 */
export async function checkPlannedMetadata(planned: Iterable<PlannedWheel>, downloaded: Map<string, DownloadedWheel>, cache: Cache): Promise<Map<string, CoreMetadata>> {
  const distinct = new Map<string, PlannedWheel>();
  for (const p of planned) {
    if (distinct.has(p.file.url.key)) continue;
    if (!downloaded.get(p.file.url.key)) throw new Error(`internal: ${p.file.filename} was not downloaded`);
    distinct.set(p.file.url.key, p);
  }
  // Several wheels at once (each is a few small reads), errors kept in the plan's order.
  const wheels = [...distinct.values()];
  const limit = pLimit(CONCURRENT_CHECKS);
  const results = await Promise.all(
    wheels.map((p) =>
      limit(async (): Promise<{ ok: CoreMetadata } | { error: WbError }> => {
        try {
          return { ok: await checkWheelMetadata(p, downloaded.get(p.file.url.key)!, cache) };
        } catch (e) {
          if (!(e instanceof WbError)) throw e;
          return { error: e };
        }
      }),
    ),
  );
  const out = new Map<string, CoreMetadata>();
  const errors: WbError[] = [];
  wheels.forEach((p, i) => {
    const r = results[i]!;
    if ("ok" in r) out.set(p.file.url.key, r.ok);
    else {
      errors.push(r.error);
      out.set(p.file.url.key, p.metadata);
    }
  });
  if (errors.length) throw errors.length === 1 ? errors[0]! : new WbErrorList(errors);
  return out;
}

/** Wheels whose METADATA is read at once by checkPlannedMetadata. */
const CONCURRENT_CHECKS = 8;
