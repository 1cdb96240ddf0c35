/** The small pure parts that wire embedding in: flags, spec file, per-target sources, manifest. */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { buildManifest, parseManifest, serializeManifest, type Manifest } from "../../src/bundle/manifest.js";
import { splitDistFlag } from "../../src/cli/flags.js";
import { distSources } from "../../src/python-dist/dist-sources.js";
import { mirrorBase, parseDistRef } from "../../src/python-dist/fetch-dist.js";
import { parseSpecText } from "../../src/spec/spec-file.js";
import { errorOf } from "../helpers/error-of.js";
import { LINUX, MACOS, bundleInput, makeInstallerDir, makePackages, tempDir } from "../bundle/helpers.js";
import { verifyBundle, writeBundle } from "../helpers/bundle-api.js";

const H = (c: string) => c.repeat(64);
const PBS = "cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz";

describe("--python-dist values", () => {
  it("TARGET=REF only when the part before = is a target", () => {
    expect(splitDistFlag(`linux-x86_64@3.12=/srv/${PBS}`)).toEqual({ target: "linux-x86_64@3.12", ref: `/srv/${PBS}` });
    expect(splitDistFlag(`https://m.example/${PBS}#sha256=${H("a")}`)).toEqual({ ref: `https://m.example/${PBS}#sha256=${H("a")}` });
    expect(splitDistFlag(`/srv/a=b/${PBS}`)).toEqual({ ref: `/srv/a=b/${PBS}` });
  });
  it("#sha256= is split off and checked; relative paths become file URLs", () => {
    expect(parseDistRef(`dl/${PBS}#sha256=${H("A")}`, "/work")).toEqual({ url: `file:///work/dl/${PBS.replace("+", "+")}`, sha256: H("a"), filename: PBS });
    expect(parseDistRef(`https://m.example/pbs/${PBS}`, "/work")).toEqual({ url: `https://m.example/pbs/${PBS}`, sha256: undefined, filename: PBS });
    expect(errorOf(() => parseDistRef(`${PBS}#sha256=abc`, "/w")).code).toBe("E_USAGE");
    expect(errorOf(() => parseDistRef(`ftp://m/${PBS}`, "/w")).message).toContain("only https, http and file URLs");
    expect(mirrorBase("https://m/pbs")).toBe("https://m/pbs/");
    expect(mirrorBase("https://m/pbs/")).toBe("https://m/pbs/");
  });
});

describe("distSources", () => {
  const targets = [
    { spec: "manylinux_2_17_x86_64@3.12", input: "linux-x86_64@3.12" },
    { spec: "macosx_11_0_arm64@3.12", input: "macos-arm64@3.12" },
  ];
  it("a TARGET= entry for its target, else an untargeted one, else the mirror", () => {
    const m = distSources(targets, { embedPython: true, pythonMirror: "https://m/pbs", pythonDists: [{ target: "linux-x86_64@3.12", ref: "a.tar.gz" }] });
    expect(m.get("manylinux_2_17_x86_64@3.12")).toEqual({ dist: "a.tar.gz", sha256: undefined });
    expect(m.get("macosx_11_0_arm64@3.12")).toEqual({ mirror: "https://m/pbs" });
    const all = distSources(targets, { embedPython: true, pythonDists: [{ ref: "b.tar.gz", sha256: H("c") }] });
    expect([...all.values()]).toEqual([{ dist: "b.tar.gz", sha256: H("c") }, { dist: "b.tar.gz", sha256: H("c") }]);
    expect(distSources(targets, { embedPython: false, pythonMirror: "x", pythonDists: [] }).size).toBe(0);
  });
  it("refuses a source-less target and a TARGET= that names none", () => {
    expect(errorOf(() => distSources(targets, { embedPython: true, pythonDists: [] })).message).toBe("--embed-python: no interpreter source for target linux-x86_64@3.12");
    expect(errorOf(() => distSources(targets, { embedPython: true, pythonDists: [{ target: "win_amd64@3.12", ref: "c" }] })).code).toBe("E_USAGE");
  });
});

describe("spec file", () => {
  it("embed-python, python-mirror and [[python]] tables", () => {
    const s = parseSpecText(
      `[bundle]\nname = "x"\nembed-python = true\npython-mirror = "mirror/pbs"\n\n[[python]]\ntarget = "linux-x86_64@3.12"\nurl = "dl/${PBS}"\nsha256 = "${H("A")}"\n\n[[python]]\nurl = "https://m.example/${PBS}"\n`,
      "/proj/wb.toml",
    );
    expect(s.embedPython).toBe(true);
    expect(s.pythonMirror).toBe("file:///proj/mirror/pbs");
    expect(s.pythons).toEqual([
      { target: "linux-x86_64@3.12", url: `/proj/dl/${PBS}`, sha256: H("a") },
      { url: `https://m.example/${PBS}` },
    ]);
  });
  it("refuses a bad [[python]] table with its line", () => {
    expect(errorOf(() => parseSpecText(`[bundle]\n[[python]]\nsha256 = "${H("a")}"\n`, "f.toml")).message).toBe("f.toml:2: python[0] has no url");
    expect(errorOf(() => parseSpecText(`[bundle]\n[[python]]\nurl = "a"\nsha = "x"\n`, "f.toml")).message).toBe("f.toml:4: unknown key 'python[0].sha'");
    expect(errorOf(() => parseSpecText(`[bundle]\n[[python]]\nurl = "a"\nsha256 = "x"\n`, "f.toml")).message).toBe("f.toml:4: python[0].sha256 must be 64 hex digits");
    expect(errorOf(() => parseSpecText(`[bundle]\nembed-python = "yes"\n`, "f.toml")).message).toBe("f.toml:2: bundle.embed-python must be true or false");
    expect(errorOf(() => parseSpecText(`[bundle]\n[python]\nurl = "a"\n`, "f.toml")).message).toContain("'python' must be an array of tables");
  });
});

describe("manifest python entry", () => {
  const python = { implementation: "cpython", version: "3.12.4", build: "20240726", triple: "x86_64-unknown-linux-gnu", path: `python/${PBS}`, sha256: H("e"), size: 9, source: `https://u:p@m.example/${PBS}`, floor: { glibc: "2.17", macos: null } };
  const m: Manifest = { formatVersion: "1.0.0", createdBy: { tool: "wheelbarrow", version: "0" }, app: { name: "a", version: "1", entry: null }, target: MACOS, python, packages: [], files: [] };
  it("sits after target, credentials stripped, and round-trips", () => {
    const text = serializeManifest(m);
    expect(Object.keys(JSON.parse(text))).toEqual(["formatVersion", "createdBy", "app", "target", "python", "packages", "files"]);
    expect(text).toContain(`"source": "https://m.example/${PBS}"`);
    expect(parseManifest(text, "b")).toEqual(buildManifest(m));
    const { python: _p, ...without } = m;
    expect(Object.keys(JSON.parse(serializeManifest(without)))).not.toContain("python");
  });
  it("a manifest python block with a bad path, sha256 or floor is refused, every problem named", () => {
    const bad = JSON.parse(serializeManifest(m));
    bad.python.path = "wheels/x.tar.gz";
    bad.python.sha256 = "nope";
    bad.python.floor = { glibc: 2 };
    expect(() => parseManifest(JSON.stringify(bad), "b")).toThrow("python.sha256 must be 64 lowercase hex digits; python.path must be python/<archive>.tar.gz, got wheels/x.tar.gz; python.floor.glibc must be a non-empty string or null; python.floor.macos must be a non-empty string or null");
  });
});

describe("writeBundle with an interpreter", () => {
  it("ships python/<archive> verbatim, in SHA256SUMS, not in files; the manifest validates; verify checks it", async () => {
    const root = tempDir();
    const archive = join(root, "cache", PBS);
    mkdirSync(join(root, "cache"), { recursive: true });
    writeFileSync(archive, "not really gzip, shipped as is");
    const data = readFileSync(archive);
    const sha256 = createHash("sha256").update(data).digest("hex");
    const python = { implementation: "cpython", version: "3.12.4", build: "20240726", triple: "x86_64-unknown-linux-gnu", filename: PBS, sha256, size: data.length, source: PBS, floor: { glibc: "2.17", macos: null }, cachePath: archive };
    const packages = await makePackages(join(root, "cache"));
    const r = await writeBundle(bundleInput({ packages, python, installerDir: makeInstallerDir(root), target: LINUX, format: "dir", outDir: join(root, "out") }));
    expect(readFileSync(join(r.path, "python", PBS)).equals(data)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(r.path, "manifest.json"), "utf8"));
    expect(manifest.python).toEqual({ implementation: "cpython", version: "3.12.4", build: "20240726", triple: "x86_64-unknown-linux-gnu", path: `python/${PBS}`, sha256, size: data.length, source: PBS, floor: { glibc: "2.17", macos: null } });
    expect(manifest.files.map((f: { path: string }) => f.path)).not.toContain(`python/${PBS}`);
    expect(readFileSync(join(r.path, "SHA256SUMS"), "utf8")).toContain(`${sha256}  python/${PBS}\n`);
    const schema = JSON.parse(readFileSync(new URL("../../manifests/manifest.schema.json", import.meta.url), "utf8")) as object;
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...manifest, python: { ...manifest.python, path: "wheels/x.tar.gz" } })).toBe(false);
    const sbom = JSON.parse(readFileSync(join(r.path, "sbom.cdx.json"), "utf8"));
    const py = sbom.components.find((c: { "bom-ref": string }) => c["bom-ref"] === `python:${PBS}`);
    expect(py).toMatchObject({ type: "application", name: "cpython", version: "3.12.4", hashes: [{ alg: "SHA-256", content: sha256 }] });
    await expect(verifyBundle(r.path)).resolves.toMatchObject({ packages: packages.length });
    writeFileSync(join(r.path, "sbom.cdx.json"), JSON.stringify({ ...sbom, components: sbom.components.filter((c: { "bom-ref": string }) => c !== py) }));
    await expect(verifyBundle(r.path)).rejects.toThrow(`does not list the embedded interpreter python/${PBS} with its version and sha256`);
    writeFileSync(join(r.path, "python", PBS), "altered");
    await expect(verifyBundle(r.path)).rejects.toThrow(new RegExp(`python/${PBS.replace(/[.+]/g, "\\$&")}: content differs from SHA256SUMS and manifest.json`));
  });
});
