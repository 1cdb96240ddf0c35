/**
 * `<out>/SHA256SUMS`: one `sha256sum -c` line per archive (`*.tar.gz`, `*.zip`) the output
 * directory holds after a run, so an operator can check a copied archive with coreutils alone.
 * Archives written by this run get their fresh hash; archives of earlier runs that are still
 * there keep their line (or are hashed, if they have none); lines for files that are gone are
 * dropped. Written to a temp name and renamed. Unpacked (`dir`) bundles are not listed: they
 * carry their own SHA256SUMS.
 */
import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { hashFile } from "./hash-file.js";
import { SUMS_NAME } from "./manifest.js";
import { formatSha256Sums, parseSha256Sums, type SumLine } from "./sha256sums.js";

const ARCHIVE = /^[^.\\\n][^\\\n]*\.(tar\.gz|zip)$/;

/** `fresh`: archive file name (in outDir) -> sha256 of this run's archives. Returns the file written, or null. */
export async function updateOutChecksums(outDir: string, fresh: Map<string, string>): Promise<string | null> {
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
  const present = (await readdir(outDir, { withFileTypes: true })).filter((d) => d.isFile() && ARCHIVE.test(d.name)).map((d) => d.name);
  const lines: SumLine[] = [];
  for (const name of present) {
    const sha256 = fresh.get(name) ?? old.get(name) ?? (await hashFile(join(outDir, name))).sha256;
    lines.push({ path: name, sha256 });
  }
  if (lines.length === 0 && !hadFile) return null;
  const tmp = join(outDir, `.${SUMS_NAME}.tmp-${randomBytes(6).toString("hex")}`);
  try {
    await writeFile(tmp, formatSha256Sums(lines), { flag: "wx", mode: 0o644 });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return path;
}
