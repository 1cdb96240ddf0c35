/**
 * `<out>/SHA256SUMS`: one `sha256sum -c` line per archive (`*.tar.gz`, `*.zip`) the output
 * directory holds after a run, so an operator can check a copied archive with coreutils alone.
 * Archives written by this run get their fresh hash; archives of earlier runs that are still
 * there keep their line (or are hashed, if they have none); lines for files that are gone are
 * dropped. Staged under a temp name before the run's bundles are published and renamed into place
 * right after them. Unpacked (`dir`) bundles are not listed: they carry their own SHA256SUMS.
 */
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { tempName, untrackTemp } from "../store/temp-files.js";
import { hashFile } from "./hash-file.js";
import { SUMS_NAME } from "./manifest.js";
import { formatSha256Sums, parseSha256Sums, type SumLine } from "./sha256sums.js";

const ARCHIVE = /^[^.\\\n][^\\\n]*\.(tar\.gz|zip)$/;

export interface StagedSums {
  tmp: string;
  path: string;
}

/**
 * `fresh`: archive file name (in outDir) -> sha256, for this run's archives (present after
 * publishing even if not yet). Returns the staged file, or null when there is nothing to list.
 */
export async function stageOutChecksums(outDir: string, fresh: Map<string, string>): Promise<StagedSums | null> {
  const path = join(outDir, SUMS_NAME);
  const old = new Map<string, string>();
  let hadFile = false;
  try {
    const parsed = parseSha256Sums(await readFile(path, "utf8"));
    hadFile = true;
    for (const e of parsed.entries) old.set(e.path, e.sha256);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  let present: string[] = [];
  try {
    present = (await readdir(outDir, { withFileTypes: true })).filter((d) => d.isFile() && ARCHIVE.test(d.name)).map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const lines: SumLine[] = [];
  for (const name of new Set([...present, ...fresh.keys()])) {
    const sha256 = fresh.get(name) ?? old.get(name) ?? (await hashFile(join(outDir, name))).sha256;
    lines.push({ path: name, sha256 });
  }
  if (lines.length === 0 && !hadFile) return null;
  const tmp = tempName(join(outDir, `.${SUMS_NAME}`));
  try {
    await writeFile(tmp, formatSha256Sums(lines), { flag: "wx", mode: 0o644 });
  } catch (e) {
    await rm(tmp, { force: true });
    untrackTemp(tmp);
    throw e;
  }
  return { tmp, path };
}

export function publishOutChecksums(s: StagedSums): void {
  renameSync(s.tmp, s.path);
  untrackTemp(s.tmp);
}
