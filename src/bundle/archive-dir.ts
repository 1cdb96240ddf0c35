/**
 * The `dir` format: the bundle as a plain directory tree (the caller creates it under a temp
 * name and renames it into place). Files get mode 0644/0755, directories 0755, and every entry's
 * mtime is the plan's epoch, so archiving the tree later with a deterministic tool reproduces it.
 */
import { chmod, mkdir, open, utimes } from "node:fs/promises";
import { join } from "node:path";
import type { ArchivePlan } from "./entries.js";
import { readEntry } from "./entries.js";

/** Writes the plan's entries under `root` (which must exist and be empty). Returns the bytes written. */
export async function writeDirTree(plan: ArchivePlan, root: string): Promise<number> {
  let total = 0;
  for (const e of plan.entries) {
    const p = join(root, ...e.path.split("/"));
    if (e.type === "dir") {
      await mkdir(p, { mode: 0o755 });
      await chmod(p, 0o755);
      continue;
    }
    const fh = await open(p, "wx", e.mode);
    try {
      for await (const chunk of readEntry(e)) await fh.write(chunk);
    } finally {
      await fh.close();
    }
    await chmod(p, e.mode);
    total += e.size;
  }
  // Times last, deepest first, so writing children does not bump a directory's mtime afterwards.
  for (const e of [...plan.entries].reverse()) await utimes(join(root, ...e.path.split("/")), plan.mtime, plan.mtime);
  await chmod(root, 0o755);
  await utimes(root, plan.mtime, plan.mtime);
  return total;
}
