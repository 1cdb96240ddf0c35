/**
 * Builds the demo's fixture wheels from fixtures/demo-packages/*: pure wheels for every package,
 * and for a package with an "extension" a real CPython extension compiled here with the host's
 * compiler against the host python3's headers, packed as a platform wheel (manylinux_2_17 tag:
 * the module uses the CPython API only, no newer glibc symbols). That package also gets a pure
 * wheel of the same version, so Windows and macOS targets fall back to it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { buildWheel, type BuiltWheel, type WheelSpec } from "../../test/helpers/wheel-builder.js";

interface Meta {
  name: string;
  version: string;
  requiresDist?: string[];
  requiresPython?: string;
  license?: string;
  entryPoints?: WheelSpec["entryPoints"];
  extension?: { module: string; source: string };
}

function listFiles(root: string, dir = root): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "meta.json" || name.endsWith(".c") || name === "__pycache__") continue;
    if (statSync(p).isDirectory()) Object.assign(out, listFiles(root, p));
    else out[relative(root, p).split("\\").join("/")] = readFileSync(p);
  }
  return out;
}

export interface HostPython {
  tag: string; // cp311
  soabi: string; // cpython-311-x86_64-linux-gnu
  include: string;
  machine: string;
}

export function hostPython(python = "python3"): HostPython {
  const out = execFileSync(
    python,
    ["-c", "import sys,sysconfig,platform,json;print(json.dumps({'tag':'cp%d%d'%sys.version_info[:2],'soabi':sysconfig.get_config_var('SOABI'),'include':sysconfig.get_paths()['include'],'machine':platform.machine()}))"],
    { encoding: "utf8" },
  );
  return JSON.parse(out) as HostPython;
}

export async function buildDemoWheels(packagesDir: string, outDir: string, opts: { python?: string; cc?: string } = {}): Promise<BuiltWheel[]> {
  const built: BuiltWheel[] = [];
  for (const pkg of readdirSync(packagesDir).sort()) {
    const dir = join(packagesDir, pkg);
    const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Meta;
    const base: WheelSpec = {
      name: meta.name,
      version: meta.version,
      files: listFiles(dir),
      requiresDist: meta.requiresDist,
      requiresPython: meta.requiresPython,
      license: meta.license,
      entryPoints: meta.entryPoints,
    };
    built.push(await buildWheel(base, outDir));
    if (meta.extension) {
      const host = hostPython(opts.python);
      if (host.machine !== "x86_64" && host.machine !== "aarch64") continue;
      const tmp = mkdtempSync(join(tmpdir(), "wb-ext-"));
      try {
        const so = join(tmp, `${meta.extension.module.split(".").pop()}.${host.soabi}.so`);
        execFileSync(opts.cc ?? "cc", ["-shared", "-fPIC", "-O2", `-I${host.include}`, join(dir, meta.extension.source), "-o", so], { stdio: "pipe" });
        const modPath = meta.extension.module.split(".").slice(0, -1).join("/");
        built.push(
          await buildWheel(
            {
              ...base,
              tag: `${host.tag}-${host.tag}-manylinux_2_17_${host.machine}.manylinux2014_${host.machine}`,
              files: { ...listFiles(dir), [`${modPath}/${so.split("/").pop()}`]: readFileSync(so) },
              rootIsPurelib: false,
            },
            outDir,
          ),
        );
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  }
  return built;
}
