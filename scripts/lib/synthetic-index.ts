/**
 * Synthetic indexes shaped like PyPI's biggest projects, written as a static PEP 503 tree
 * (simple/<project>/index.html with sha256 fragments, data-requires-python and PEP 658/714
 * metadata; files/<file> and files/<file>.metadata) that serveStatic serves over HTTP.
 *
 * Shapes:
 *  - boto3/botocore: CHAIN_LENGTH versions each; boto3 1.N.0 requires botocore>=1.N.0,<1.N+1.0
 *    (the tight pins of the real pair), both require jmespath and botocore requires urllib3;
 *  - numpy: 100 versions x 40 platform wheels (5 CPython versions x 8 platforms);
 *  - pyfresh: 400 versions whose newest 300 declare Requires-Python >=3.14 (a 3.11 target
 *    must walk past all of them to 1.99.0).
 * The wheel bodies are small real zips (METADATA, WHEEL, RECORD), so a tool that downloads a
 * wheel to read its metadata gets a valid one.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import yazl from "yazl";

export interface SyntheticFile {
  /** Wheel tag triple, e.g. "py3-none-any". */
  tag: string;
}

export interface SyntheticRelease {
  version: string;
  requires?: string[];
  requiresPython?: string;
  files?: SyntheticFile[];
  yanked?: boolean;
}

export type SyntheticWorld = Map<string, SyntheticRelease[]>;

export const CHAIN_LENGTH = 2000;

const distName = (name: string): string => name.replace(/[-.]+/g, "_");

export function botoWorld(world: SyntheticWorld = new Map(), n = CHAIN_LENGTH): SyntheticWorld {
  const jmes = "jmespath>=0.7.1,<2.0.0";
  world.set("jmespath", ["0.10.0", "1.0.0", "1.0.1"].map((version) => ({ version })));
  world.set("urllib3", ["1.26.20", "2.2.3", "2.3.0"].map((version) => ({ version, requiresPython: ">=3.8" })));
  world.set("botocore", Array.from({ length: n }, (_, i) => ({ version: `1.${i}.0`, requiresPython: ">=3.8", requires: [jmes, "urllib3>=1.25.4,!=2.2.0,<3"] })));
  world.set("boto3", Array.from({ length: n }, (_, i) => ({ version: `1.${i}.0`, requiresPython: ">=3.8", requires: [`botocore>=1.${i}.0,<1.${i + 1}.0`, jmes] })));
  return world;
}

const NUMPY_PYTHONS = ["cp39", "cp310", "cp311", "cp312", "cp313"];
const NUMPY_PLATFORMS = [
  "manylinux_2_17_x86_64.manylinux2014_x86_64",
  "manylinux_2_17_aarch64.manylinux2014_aarch64",
  "musllinux_1_1_x86_64",
  "musllinux_1_2_aarch64",
  "macosx_10_9_x86_64",
  "macosx_11_0_arm64",
  "win_amd64",
  "win32",
];

export function numpyWorld(world: SyntheticWorld = new Map(), n = 100): SyntheticWorld {
  const files = NUMPY_PYTHONS.flatMap((py) => NUMPY_PLATFORMS.map((plat) => ({ tag: `${py}-${py}-${plat}` })));
  world.set("numpy", Array.from({ length: n }, (_, i) => ({ version: `1.${i}.0`, requiresPython: ">=3.9", files })));
  return world;
}

export function requiresPythonWorld(world: SyntheticWorld = new Map()): SyntheticWorld {
  world.set("pyfresh", Array.from({ length: 400 }, (_, i) => ({ version: `1.${i}.0`, requiresPython: i >= 100 ? ">=3.14" : ">=3.8" })));
  return world;
}

function metadataOf(name: string, r: SyntheticRelease): string {
  return [
    "Metadata-Version: 2.1",
    `Name: ${name}`,
    `Version: ${r.version}`,
    ...(r.requiresPython ? [`Requires-Python: ${r.requiresPython}`] : []),
    ...(r.requires ?? []).map((d) => `Requires-Dist: ${d}`),
  ].join("\n") + "\n\n";
}

function wheelBody(name: string, version: string, tag: string, metadata: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const info = `${distName(name)}-${version}.dist-info`;
  const wheel = `Wheel-Version: 1.0\nGenerator: wheelbarrow-synthetic\nRoot-Is-Purelib: ${tag.endsWith("-none-any")}\nTag: ${tag}\n\n`;
  const mtime = new Date(Date.UTC(2020, 0, 1));
  zip.addBuffer(Buffer.from(metadata), `${info}/METADATA`, { mtime });
  zip.addBuffer(Buffer.from(wheel), `${info}/WHEEL`, { mtime });
  zip.addBuffer(Buffer.from(`${info}/METADATA,,\n${info}/WHEEL,,\n${info}/RECORD,,\n`), `${info}/RECORD`, { mtime });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
  });
}

const sha256 = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");
const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Write the world under `root` (root/simple/..., root/files/...); returns the number of files. */
export async function writeSyntheticIndex(world: SyntheticWorld, root: string): Promise<number> {
  mkdirSync(join(root, "files"), { recursive: true });
  mkdirSync(join(root, "simple"), { recursive: true });
  const head = `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"></head><body>\n`;
  let count = 0;
  for (const [name, releases] of world) {
    const links: string[] = [];
    for (const r of releases) {
      const metadata = metadataOf(name, r);
      const md = sha256(metadata);
      for (const f of r.files ?? [{ tag: "py3-none-any" }]) {
        const filename = `${distName(name)}-${r.version}-${f.tag}.whl`;
        const body = await wheelBody(name, r.version, f.tag, metadata);
        writeFileSync(join(root, "files", filename), body);
        writeFileSync(join(root, "files", `${filename}.metadata`), metadata);
        const attrs = [`href="../../files/${filename}#sha256=${sha256(body)}"`, `data-core-metadata="sha256=${md}"`, `data-dist-info-metadata="sha256=${md}"`];
        if (r.requiresPython) attrs.push(`data-requires-python="${esc(r.requiresPython)}"`);
        if (r.yanked) attrs.push(`data-yanked=""`);
        links.push(`<a ${attrs.join(" ")}>${filename}</a>`);
        count++;
      }
    }
    mkdirSync(join(root, "simple", name), { recursive: true });
    writeFileSync(join(root, "simple", name, "index.html"), `${head}${links.join("<br>\n")}\n</body></html>\n`);
  }
  writeFileSync(join(root, "simple", "index.html"), `${head}${[...world.keys()].sort().map((p) => `<a href="${p}/">${p}</a>`).join("\n")}\n</body></html>\n`);
  return count;
}
