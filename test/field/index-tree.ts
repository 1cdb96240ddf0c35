/**
 * A static PEP 503 index on disk, as an air-gapped team publishes a wheelhouse: `simple/` with
 * one `index.html` per project (links with `#sha256=`), and the wheels under `packages/`. Any
 * static file server (python3 -m http.server, nginx) serves it unchanged.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";

export interface FieldSet {
  root: string;
  wheels: BuiltWheel[];
  /** The requirements file: every wheel pinned (bundle checks the pins' dependency closure). */
  requirements: string;
  totalBytes: number;
}

function canonical(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * `count` wheels of about `mib` MiB each of incompressible content; the first requires the
 * others (so the resolver reads every METADATA), which are independent of each other.
 */
export async function writeFieldIndex(root: string, count: number, mib: number): Promise<FieldSet> {
  const build = join(root, "build");
  mkdirSync(join(root, "packages"), { recursive: true });
  mkdirSync(join(root, "simple"), { recursive: true });
  const names = Array.from({ length: count }, (_, i) => (i === 0 ? "field-app" : `field-lib${i}`));
  const wheels: BuiltWheel[] = [];
  for (const [i, name] of names.entries()) {
    const mod = name.replace(/-/g, "_");
    const w = await buildWheel(
      {
        name,
        version: "1.0",
        requiresDist: i === 0 ? names.slice(1).map((n) => `${n}>=1.0`) : [],
        files: { [`${mod}/__init__.py`]: `NAME = "${name}"\n`, [`${mod}/blob.bin`]: randomBytes(Math.round(mib * 1024 * 1024)) },
      },
      build,
    );
    copyFileSync(w.path, join(root, "packages", w.filename));
    const dir = join(root, "simple", canonical(name));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "index.html"), `<!DOCTYPE html>\n<html><body>\n<a href="../../packages/${w.filename}#sha256=${w.sha256}">${w.filename}</a>\n</body></html>\n`);
    wheels.push(w);
  }
  writeFileSync(join(root, "simple", "index.html"), `<!DOCTYPE html>\n<html><body>\n${names.map((n) => `<a href="${canonical(n)}/">${n}</a>`).join("\n")}\n</body></html>\n`);
  return { root, wheels, requirements: names.map((n) => `${n}==1.0\n`).join(""), totalBytes: wheels.reduce((a, w) => a + w.size, 0) };
}
