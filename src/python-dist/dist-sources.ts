/**
 * Which interpreter archive each target embeds: a `TARGET=` --python-dist / [[python]] entry for
 * that target (matched against the target as written or in canonical form), else an entry without
 * a target, else the mirror. Pure: no I/O.
 */
import { WbError } from "../errors.js";
import type { DistSource } from "./fetch-dist.js";

export interface DistChoice {
  embedPython: boolean;
  pythonMirror?: string;
  pythonDists: { target?: string; ref: string; sha256?: string }[];
}

export function distSources(targets: { spec: string; input: string }[], o: DistChoice): Map<string, DistSource> {
  const out = new Map<string, DistSource>();
  if (!o.embedPython) return out;
  for (const d of o.pythonDists) {
    if (d.target !== undefined && !targets.some((t) => t.spec === d.target || t.input === d.target)) {
      throw new WbError("E_USAGE", `--python-dist ${d.target}=...: ${d.target} is not one of the targets (${targets.map((t) => t.input).join(", ")})`, {
        hint: "write the target exactly as given to --target, or leave out TARGET= to use the archive for every target",
      });
    }
  }
  for (const t of targets) {
    const own = o.pythonDists.find((d) => d.target === t.spec || d.target === t.input) ?? o.pythonDists.find((d) => d.target === undefined);
    if (own) out.set(t.spec, { dist: own.ref, sha256: own.sha256 });
    else if (o.pythonMirror) out.set(t.spec, { mirror: o.pythonMirror });
    else {
      throw new WbError("E_USAGE", `--embed-python: no interpreter source for target ${t.input}`, {
        hint: [
          "give --python-mirror URL (a directory of python-build-standalone archives with their SHA256SUMS), or set WHEELBARROW_PYTHON_MIRROR",
          "or name the archive: --python-dist [TARGET=]PATH|URL[#sha256=HEX]",
        ],
      });
    }
  }
  return out;
}
