/** An in-memory PlanSource: projects and METADATA for planner and resolver tests (no I/O). */
import type { CandidateFile, InputRequirement, PlanSource, ProjectFiles } from "../../src/plan/types.js";
import { parseRequirement } from "../../src/pypa/requirement.js";
import { canonicalizeName } from "../../src/pypa/names.js";
import { SafeUrl } from "../../src/text/safe-url.js";

export interface Dist {
  name: string;
  version: string;
  tag?: string;
  requires?: string[];
  extras?: string[];
  requiresPython?: string;
  yanked?: string;
  uploadTime?: string;
}

const src = { name: "fixture", url: SafeUrl.of("http://127.0.0.1/simple/"), kind: "index" as const };

export function memorySource(dists: Dist[]): PlanSource & { metadataReads: string[] } {
  const metadataReads: string[] = [];
  const byName = new Map<string, ProjectFiles>();
  const meta = new Map<string, string>();
  for (const d of dists) {
    const key = canonicalizeName(d.name);
    const filename = `${d.name.replace(/[-.]/g, "_")}-${d.version}-${d.tag ?? "py3-none-any"}.whl`;
    const file: CandidateFile = {
      filename,
      url: SafeUrl.of(`http://127.0.0.1/files/${filename}`),
      hashes: { sha256: "0".repeat(64) },
      yanked: d.yanked ?? false,
      coreMetadata: true,
      uploadTime: d.uploadTime,
      source: src,
    };
    const p = byName.get(key) ?? { name: key, files: [], source: src };
    p.files.push(file);
    byName.set(key, p);
    meta.set(
      file.url.key,
      [
        `Metadata-Version: 2.1`,
        `Name: ${d.name}`,
        `Version: ${d.version}`,
        ...(d.requiresPython ? [`Requires-Python: ${d.requiresPython}`] : []),
        ...(d.extras ?? []).map((e) => `Provides-Extra: ${e}`),
        ...(d.requires ?? []).map((r) => `Requires-Dist: ${r}`),
      ].join("\n") + "\n\n",
    );
  }
  return {
    metadataReads,
    async getProject(name) {
      return byName.get(name) ?? null;
    },
    async fetchMetadata(file) {
      metadataReads.push(file.filename);
      return meta.get(file.url.key)!;
    },
  };
}

export function inputs(...lines: string[]): InputRequirement[] {
  return lines.map((l, i) => ({ requirement: parseRequirement(l), hashes: [], origin: `requirements.txt:${i + 1}` }));
}
