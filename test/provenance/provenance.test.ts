/**
 * PEP 740 provenance and PEP 770 wheel SBOMs through `wheelbarrow bundle`, against a local index
 * that serves a JSON page with a (relative) `provenance` URL, an HTML page with `data-provenance`,
 * and a wheel carrying `.dist-info/sboms/`: the provenance files ship as provenance/<wheel>.json,
 * recorded in manifest.json and the SBOM; an --offline rebuild ships the same; a provenance object
 * for another file is E_INTEGRITY; a 404 is a warning.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkProvenance, ProvenanceError } from "../../src/provenance/provenance.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";

let dir: string;
let server: Server;
let base: string;
const wheels: Record<string, BuiltWheel> = {};
const served = new Map<string, { type: string; body: Buffer }>();
const requests: string[] = [];
const hasPython311 = spawnSync("python3.11", ["--version"]).status === 0;

function provenanceFor(filename: string, sha256: string, repo: string): Buffer {
  const statement = { _type: "https://in-toto.io/Statement/v1", subject: [{ name: filename, digest: { sha256 } }], predicateType: "https://docs.pypi.org/attestations/publish/v1", predicate: null };
  const att = { version: 1, verification_material: { certificate: "MIIB...", transparency_entries: [{}] }, envelope: { statement: Buffer.from(JSON.stringify(statement)).toString("base64"), signature: Buffer.from("sig").toString("base64") } };
  return Buffer.from(JSON.stringify({ version: 1, attestation_bundles: [{ publisher: { kind: "GitHub", repository: repo, workflow: "release.yml", environment: "pypi" }, attestations: [att] }] }));
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-prov-"));
  const w = join(dir, "wheels");
  wheels["attested"] = await buildWheel({ name: "attested", version: "1.0", files: { "attested/__init__.py": "a = 1\n" } }, w);
  wheels["plain"] = await buildWheel({ name: "plain", version: "2.0", files: { "plain/__init__.py": "b = 2\n" } }, w);
  wheels["sbomlib"] = await buildWheel({ name: "sbomlib", version: "0.5", files: { "sbomlib/__init__.py": "c = 3\n", "sbomlib-0.5.dist-info/sboms/sbomlib.cdx.json": '{"bomFormat":"CycloneDX"}\n' } }, w);
  wheels["liar"] = await buildWheel({ name: "liar", version: "1.0", files: { "liar/__init__.py": "d = 4\n" } }, w);
  for (const b of Object.values(wheels)) served.set(`/files/${b.filename}`, { type: "application/octet-stream", body: readFileSync(b.path) });
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const f = served.get(req.url ?? "");
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": f.type, "content-length": f.body.length }).end(f.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("no port");
  base = `http://127.0.0.1:${addr.port}`;
  const json = (name: string, files: object[]) => ({ type: "application/vnd.pypi.simple.v1+json", body: Buffer.from(JSON.stringify({ meta: { "api-version": "1.1" }, name, files })) });
  const entry = (b: BuiltWheel, extra: object = {}) => ({ filename: b.filename, url: `../../files/${b.filename}`, hashes: { sha256: b.sha256 }, ...extra });
  const a = wheels["attested"]!;
  served.set("/simple/attested/", json("attested", [entry(a, { provenance: `../../integrity/attested/1.0/${a.filename}/provenance` })]));
  served.set(`/integrity/attested/1.0/${a.filename}/provenance`, { type: "application/vnd.pypi.integrity.v1+json", body: provenanceFor(a.filename, a.sha256, "example/attested") });
  const p = wheels["plain"]!;
  served.set("/simple/plain/", { type: "text/html", body: Buffer.from(`<html><body><a href="../../files/${p.filename}#sha256=${p.sha256}" data-provenance="${base}/prov/${p.filename}.provenance">${p.filename}</a></body></html>`) });
  served.set(`/prov/${p.filename}.provenance`, { type: "application/json", body: provenanceFor(p.filename, p.sha256, "example/plain") });
  served.set("/simple/sbomlib/", json("sbomlib", [entry(wheels["sbomlib"]!)]));
  const l = wheels["liar"]!;
  served.set("/simple/liar/", json("liar", [entry(l, { provenance: `${base}/prov/liar` })]));
  served.set("/prov/liar", { type: "application/json", body: provenanceFor(l.filename, a.sha256, "example/liar") });
  writeFileSync(join(dir, "req.txt"), "attested==1.0\nplain==2.0\nsbomlib==0.5\n");
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const args = (out: string, req = "req.txt", ...extra: string[]) => ["bundle", "-r", join(dir, req), "--index-url", `${base}/simple/`, "--target", "manylinux_2_28_x86_64@3.11", "--name", "prov", "--version", "1.0", "--format", "dir", "--out", join(dir, out), "--cache-dir", join(dir, "cache"), "--no-progress", ...extra];

describe("PEP 740 provenance and PEP 770 SBOMs in bundles", () => {
  it("ships provenance/<wheel>.json for each attested wheel, recorded in manifest.json and sbom.cdx.json", async () => {
    const r = await runCli(args("out", "req.txt", "--quiet"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const b = join(dir, "out", "prov-1.0-manylinux_2_28_x86_64-cp311");
    const a = wheels["attested"]!;
    const p = wheels["plain"]!;
    expect(readdirSync(join(b, "provenance")).sort()).toEqual([`${a.filename}.json`, `${p.filename}.json`].sort());
    expect(readFileSync(join(b, "provenance", `${a.filename}.json`)).equals(served.get(`/integrity/attested/1.0/${a.filename}/provenance`)!.body)).toBe(true);
    const m = JSON.parse(readFileSync(join(b, "manifest.json"), "utf8"));
    const byName = Object.fromEntries(m.packages.map((x: { name: string }) => [x.name, x]));
    expect(byName["attested"].provenance).toBe(`provenance/${a.filename}.json`);
    expect(byName["plain"].provenance).toBe(`provenance/${p.filename}.json`);
    expect(byName["sbomlib"].provenance).toBeUndefined();
    expect(m.files.map((f: { path: string }) => f.path)).toContain(`provenance/${a.filename}.json`);
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "manifests", "manifest.schema.json"), "utf8"));
    const validate = new Ajv2020({ strict: false }).compile(schema);
    expect(validate(m), JSON.stringify(validate.errors)).toBe(true);

    const sbom = JSON.parse(readFileSync(join(b, "sbom.cdx.json"), "utf8"));
    const comp = (n: string) => sbom.components.find((c: { name: string }) => c.name === n);
    const provBytes = readFileSync(join(b, "provenance", `${a.filename}.json`));
    expect(comp("attested").externalReferences).toContainEqual(expect.objectContaining({ type: "attestation", url: `provenance/${a.filename}.json`, hashes: [{ alg: "SHA-256", content: sha(provBytes) }] }));
    expect(comp("attested").properties).toEqual([{ name: "wheelbarrow:provenance:publisher", value: "GitHub example/attested workflow release.yml environment pypi" }]);
    const s = wheels["sbomlib"]!;
    expect(comp("sbomlib").externalReferences).toContainEqual(expect.objectContaining({ type: "bom", url: `wheels/${s.filename}#sbomlib-0.5.dist-info/sboms/sbomlib.cdx.json`, hashes: [{ alg: "SHA-256", content: sha(Buffer.from('{"bomFormat":"CycloneDX"}\n')) }] }));
    expect((await runCli(["verify", b])).code).toBe(0);
    expect((await runCli(["inspect", b])).stdout).toMatch(/provenance\s+2 of 3 wheels have PEP 740 provenance \(stored, not verified\)/);

    // --offline: the same bundle from the cache, with no request at all.
    const before = requests.length;
    const off = await runCli(args("offline", "req.txt", "--quiet", "--offline"));
    expect(off.stderr).toBe("");
    expect(requests.length).toBe(before);
    const o = join(dir, "offline", "prov-1.0-manylinux_2_28_x86_64-cp311");
    for (const f of ["manifest.json", "sbom.cdx.json", "SHA256SUMS", `provenance/${a.filename}.json`]) expect(readFileSync(join(o, f)).equals(readFileSync(join(b, f)))).toBe(true);
  }, 60_000);

  it.skipIf(!hasPython311)("PEP 770: the installer keeps a wheel's SBOM in the installed dist-info (needs python3.11)", () => {
    const b = join(dir, "out", "prov-1.0-manylinux_2_28_x86_64-cp311");
    const dest = join(dir, "installed");
    const inst = spawnSync("python3.11", [join(b, "install.py"), dest, "--no-compile"], { encoding: "utf8" });
    expect(inst.stdout + inst.stderr).toContain("installed prov 1.0 in");
    expect(inst.status).toBe(0);
    const found = spawnSync("find", [dest, "-path", "*sbomlib-0.5.dist-info/sboms/sbomlib.cdx.json"], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    expect(found).toHaveLength(1);
    expect(readFileSync(found[0]!, "utf8")).toBe('{"bomFormat":"CycloneDX"}\n');
  }, 60_000);

  it("a provenance object about another file is E_INTEGRITY; a missing one (404) is a warning", async () => {
    writeFileSync(join(dir, "liar.txt"), "liar==1.0\n");
    const r = await runCli(args("liar", "liar.txt"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_INTEGRITY\]: the provenance of liar-1\.0-py3-none-any\.whl from .* is for another file/m);
    served.delete("/prov/liar");
    const w = await runCli(args("liar2", "liar.txt"));
    expect(w.code).toBe(0);
    expect(w.stderr).toMatch(/warning: the index lists a provenance for liar-1\.0-py3-none-any\.whl, but .* answers 404; the bundle ships without it/);
  }, 60_000);

  it("checkProvenance refuses malformed objects", () => {
    const a = wheels["attested"]!;
    const good = provenanceFor(a.filename, a.sha256, "x/y");
    expect(checkProvenance(good, a.filename, a.sha256)).toEqual({ publishers: [{ kind: "GitHub", repository: "x/y", workflow: "release.yml", environment: "pypi" }], attestations: 1, predicateTypes: ["https://docs.pypi.org/attestations/publish/v1"] });
    for (const bad of ["", "[]", '{"version":2}', '{"version":1,"attestation_bundles":[]}', '{"version":1,"attestation_bundles":[{"publisher":{"kind":"GitHub"},"attestations":[{"envelope":{"statement":"!!","signature":""}}]}]}']) {
      expect(() => checkProvenance(Buffer.from(bad), a.filename, a.sha256)).toThrow(ProvenanceError);
    }
    expect(() => checkProvenance(good, "other-1.0-py3-none-any.whl", a.sha256)).toThrow(/subject/);
  });
});
