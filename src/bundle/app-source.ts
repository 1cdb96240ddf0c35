/**
 * Collects the application source for `app/`: a sorted list of regular files relative to the app
 * root, with sha256, size and permission bits (a 0600 file stays 0600 at the site).
 *
 * Decisions:
 * - Built-in excludes (exclude.ts) apply at any depth and cannot be re-included; so does any
 *   directory holding a `pyvenv.cfg` (a virtualenv, whatever its name). User `--exclude`
 *   patterns are `.gitignore`-style, relative to the app root. The app's own .gitignore is not
 *   read: what ships is what the flags say.
 * - A symlink whose target (resolved) stays inside the app ships as a copy of its target (a
 *   file, or a directory walked as if it were there); one pointing outside the app, a dangling
 *   one, or one that loops is refused with E_USAGE (exclude it, or copy the file in). Sockets,
 *   FIFOs and devices are refused too.
 * - Empty directories are not shipped (directories exist in the bundle as parents of files).
 * - Names containing `\`, a newline or a carriage return are refused: they cannot be written
 *   portably nor listed in SHA256SUMS without escaping.
 * - Files that usually hold secrets (`.env`, `*.pem`, `*.key`, `id_rsa*`, `.netrc`, see
 *   exclude.ts) are left out and returned in `withheld` (the caller warns), unless an `include`
 *   pattern (same syntax as `--exclude`) names them.
 */
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { WbError } from "../errors.js";
import { ExcludeMatcher, builtinExcluded, secretName } from "./exclude.js";
import { hashFile } from "./hash-file.js";

export interface AppFile {
  /** `/`-separated path relative to the app root. */
  rel: string;
  /** Where to read it (may be a symlink inside the app). */
  abs: string;
  size: number;
  sha256: string;
  executable: boolean;
  /** Permission bits (st_mode & 0o777). */
  mode: number;
}

export interface AppSource {
  files: AppFile[];
  /** Secret-looking files left out (relative paths), for the caller's warning. */
  withheld: string[];
}

function inside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r === "" || (!r.startsWith("..") && !r.startsWith(sep) && !/^[A-Za-z]:/.test(r));
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

export async function collectApp(appDir: string, exclude: string[], include: string[] = []): Promise<AppSource> {
  let rootReal: string;
  try {
    rootReal = await realpath(appDir);
    if (!(await stat(rootReal)).isDirectory()) throw new Error("not a directory");
  } catch {
    throw new WbError("E_USAGE", `--app ${appDir} is not a directory`, { hint: "give the directory holding the application source" });
  }
  const matcher = new ExcludeMatcher(exclude);
  const included = new ExcludeMatcher(include);
  const out: AppFile[] = [];
  const withheld: string[] = [];

  const refuse = (rel: string, why: string, hint?: string): never => {
    throw new WbError("E_USAGE", `app file ${rel}: ${why}`, { hint: hint ?? `exclude it with --exclude '${rel}'`, details: { file: rel } });
  };

  // `stack` holds the real paths of the directories being walked, to detect symlink loops.
  const walk = async (absDir: string, relDir: string, stack: string[]): Promise<void> => {
    const names = (await readdir(absDir)).sort();
    for (const name of names) {
      const abs = join(absDir, name);
      const rel = relDir === "" ? name : `${relDir}/${name}`;
      if (builtinExcluded(name)) continue;
      let st = await lstat(abs);
      let real = abs;
      let dangling = false;
      if (st.isSymbolicLink()) {
        try {
          real = await realpath(abs);
          st = await stat(real);
        } catch {
          dangling = true;
        }
      }
      const isDir = !dangling && st.isDirectory();
      // Excludes first: an excluded symlink is never looked at further.
      if (matcher.excludes(rel, isDir)) continue;
      if (dangling) refuse(rel, "is a dangling symlink");
      if (!inside(rootReal, real)) {
        refuse(rel, `is a symlink to ${real}, outside the app directory`, `copy the file into the app, or exclude it with --exclude '${rel}'`);
      }
      if (/[\\\n\r]/.test(name)) refuse(rel, "has a name with a backslash or a line break, which a bundle cannot carry");
      if (isDir) {
        if (await exists(join(real, "pyvenv.cfg"))) continue;
        const realDir = await realpath(abs);
        if (stack.includes(realDir)) refuse(rel, "is a symlink loop (it points to a directory that contains it)");
        await walk(abs, rel, [...stack, realDir]);
      } else if (st.isFile()) {
        if (secretName(name) && !included.excludes(rel, false)) {
          withheld.push(rel);
          continue;
        }
        const d = await hashFile(abs);
        out.push({ rel, abs, size: d.size, sha256: d.sha256, executable: (st.mode & 0o111) !== 0, mode: st.mode & 0o777 });
      } else {
        refuse(rel, "is not a regular file (socket, FIFO or device)");
      }
    }
  };
  await walk(rootReal, "", [rootReal]);
  return { files: out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0)), withheld };
}
