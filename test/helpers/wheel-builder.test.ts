import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildWheel } from "./wheel-builder.js";

const dir = mkdtempSync(join(tmpdir(), "wb-wheel-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("wheel-builder test helper", () => {
  it("builds a wheel that python's zipfile reads, with a RECORD that matches every member", async () => {
    const w = await buildWheel(
      { name: "Demo.Pkg", version: "1.0", files: { "demo_pkg/__init__.py": "X = 1\n" }, requiresDist: ["six>=1"], entryPoints: { console_scripts: { demo: "demo_pkg:main" } } },
      dir,
    );
    expect(w.filename).toBe("demo_pkg-1.0-py3-none-any.whl");
    const check = `
import zipfile, csv, hashlib, base64, sys, io
z = zipfile.ZipFile(sys.argv[1])
rows = list(csv.reader(io.TextIOWrapper(z.open('demo_pkg-1.0.dist-info/RECORD'))))
bad = []
for path, h, size in rows:
    if not h: continue
    data = z.read(path)
    digest = 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
    if digest != h or int(size) != len(data): bad.append(path)
print(len(rows), bad)
`;
    const out = execFileSync("python3", ["-c", check, w.path], { encoding: "utf8" }).trim();
    expect(out).toBe("5 []");
  });

  it("can write an unsafe member name for zip-slip tests", async () => {
    const w = await buildWheel({ name: "evil", version: "1.0", corrupt: { extraRawMember: { name: "../evil.py", content: "x" } } }, dir);
    const names = execFileSync("python3", ["-c", "import zipfile,sys; print(zipfile.ZipFile(sys.argv[1]).namelist())", w.path], { encoding: "utf8" });
    expect(names).toContain("'../evil.py'");
  });
});
