import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "smol-toml";
import { afterAll, describe, expect, it } from "vitest";
import { WbError } from "../../src/errors.js";
import { parseSpecText, readSpecFile } from "../../src/spec/spec-file.js";

const repo = join(import.meta.dirname, "../..");
const schema = JSON.parse(readFileSync(join(repo, "manifests/bundle-spec.schema.json"), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true }).compile(schema);

const dir = mkdtempSync(join(tmpdir(), "wb-spec-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function specFile(text: string): string {
  const file = join(dir, `spec-${++n}.toml`);
  writeFileSync(file, text);
  return file;
}

async function errorOf(p: Promise<unknown>): Promise<WbError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WbError);
    return e as WbError;
  }
  throw new Error("expected an error");
}

const SPEC_MD_EXAMPLE = `[bundle]
name = "shop"
version = "2.3.0"
app = "../examples/shop"          # paths are relative to the spec file
entry = "shop.server:main"
requirements = ["../examples/shop/requirements.txt"]
targets = ["manylinux_2_28_x86_64@3.11", "win_amd64@3.12", "macosx_12_0_arm64@3.12"]

[[index]]
name = "internal"
url = "https://artifacts.example.com/api/pypi/pypi/simple"
`;

const FULL = `[bundle]
name = "shop"
version = "2.3.0rc1"
app = "app"
entry = "scripts/run.py"
requirements = ["reqs/base.txt", "/abs/extra.txt"]
constraints = ["reqs/constraints.txt"]
targets = ["linux-x86_64@3.11", "win_amd64@3.12", "linux-x86_64@3.11"]
find-links = ["wheels", "https://downloads.example/wheels/", "file:///srv/wheels"]
exclude = ["*.log", "tests/"]
include = ["deploy/*.pem"]
state = ["media/", "db.sqlite3"]
with-pip = true
format = "zip"
out = "../dist"

[[index]]
name = "internal"
url = "https://user:token@artifacts.example.com/simple"
projects = ["Internal_Lib", "shop-core", "internal-lib"]

[[index]]
name = "pypi"
url = "https://pypi.org/simple"
`;

describe("readSpecFile", () => {
  it("reads the README's spec-file example; paths relative to the spec file", async () => {
    const file = specFile(SPEC_MD_EXAMPLE);
    expect(await readSpecFile(file)).toEqual({
      file,
      name: "shop",
      version: "2.3.0",
      app: join(dir, "../examples/shop"),
      entry: "shop.server:main",
      requirements: [join(dir, "../examples/shop/requirements.txt")],
      constraints: [],
      targets: ["manylinux_2_28_x86_64@3.11", "win_amd64@3.12", "macosx_12_0_arm64@3.12"],
      indexes: [{ name: "internal", url: "https://artifacts.example.com/api/pypi/pypi/simple" }],
      findLinks: [],
      exclude: [],
      include: [],
      state: [],
      withPip: false,
      pythons: [],
    });
  });

  it("reads every key: absolute paths, URLs kept, targets deduplicated, pinned projects normalised", async () => {
    const file = specFile(FULL);
    expect(await readSpecFile(file)).toEqual({
      file,
      name: "shop",
      version: "2.3.0rc1",
      app: join(dir, "app"),
      entry: "scripts/run.py",
      requirements: [join(dir, "reqs/base.txt"), "/abs/extra.txt"],
      constraints: [join(dir, "reqs/constraints.txt")],
      targets: ["linux-x86_64@3.11", "win_amd64@3.12"],
      indexes: [
        { name: "internal", url: "https://user:token@artifacts.example.com/simple", projects: ["internal-lib", "shop-core"] },
        { name: "pypi", url: "https://pypi.org/simple" },
      ],
      findLinks: [join(dir, "wheels"), "https://downloads.example/wheels/", "file:///srv/wheels"],
      exclude: ["*.log", "tests/"],
      include: ["deploy/*.pem"],
      state: ["media/", "db.sqlite3"],
      withPip: true,
      pythons: [],
      format: "zip",
      out: join(dir, "../dist"),
    });
  });

  it("a lock instead of requirements; a bare [bundle] is valid", async () => {
    expect((await readSpecFile(specFile('[bundle]\nlock = "pylock.toml"\n'))).lock).toBe(join(dir, "pylock.toml"));
    expect(await readSpecFile(specFile("[bundle]\n"))).toMatchObject({ requirements: [], targets: [], indexes: [] });
  });

  it("a missing spec file is E_USAGE naming it", async () => {
    const e = await errorOf(readSpecFile(join(dir, "nope.toml")));
    expect(e.code).toBe("E_USAGE");
    expect(e.message).toBe(`cannot read the spec file ${join(dir, "nope.toml")}: ENOENT`);
  });
});

/** [spec text, message (file name "f.toml"), hint?, does the JSON Schema also reject it?] */
const BAD: [string, string, string | undefined, boolean][] = [
  ['[bundle]\nname = "x"\nrequirement = ["r.txt"]\n', "f.toml:3: unknown key 'bundle.requirement'", "did you mean 'bundle.requirements'?; known keys of bundle: name, version, app, entry, requirements, constraints, lock, targets, find-links, exclude, include, state, with-pip, format, out, embed-python, python-mirror", true],
  ['[bundle]\nfind_links = ["w"]\n', "f.toml:2: unknown key 'bundle.find_links'", "did you mean 'bundle.find-links'?; known keys of bundle: name, version, app, entry, requirements, constraints, lock, targets, find-links, exclude, include, state, with-pip, format, out, embed-python, python-mirror", true],
  ['[bundel]\nname = "x"\n', "f.toml:1: unknown key 'bundel'", "did you mean 'bundle'?; known keys: bundle, index, python", true],
  ['[bundle]\n\n[[index]]\nname = "a"\nurl = "https://a.example/simple"\n\n[[index]]\nname = "b"\nURL = "https://b.example/simple"\n', "f.toml:9: unknown key 'index[1].URL'", "did you mean 'index[1].url'?; known keys of index: name, url, projects", true],
  ['[bundle]\nname = "x"\ntargets = [\n', "f.toml:4:1: invalid TOML: invalid value", "see manifests/bundle-spec.schema.json for the spec file's keys", false],
  ['[bundle]\nname = = "x"\n', "f.toml:2:8: invalid TOML: invalid value", undefined, false],
  ['name = "x"\n', "f.toml:1: unknown key 'name'", "known keys: bundle, index, python", true],
  ["[index]\n", "f.toml: no [bundle] table", 'start the file with [bundle] and name = "..."', true],
  ['[bundle]\n[index]\nname = "a"\nurl = "https://a.example"\n', "f.toml:2: 'index' must be an array of tables: write [[index]], not [index]", undefined, true],
  ['[bundle]\ntargets = "linux-x86_64@3.11"\n', "f.toml:2: bundle.targets must be an array of non-empty strings", 'for example targets = ["..."]', true],
  ['[bundle]\nname = ""\n', "f.toml:2: bundle.name must be a non-empty string", undefined, true],
  ['[bundle]\nname = "my app"\n', "f.toml:2: bundle.name must be letters, digits, '.', '_' or '-' (it names the archive), got 'my app'", undefined, true],
  ['[bundle]\nversion = "two"\n', "f.toml:2: bundle.version is not a PEP 440 version: 'two'", "for example 2.3.0 or 1.0rc1", false],
  ['[bundle]\nentry = "shop.server"\n', "f.toml:2: bundle.entry must be module:function or a path to a .py script, got 'shop.server'", undefined, true],
  ['[bundle]\nstate = ["../etc/"]\n', "f.toml:2: bundle.state entries are paths inside the app such as 'media/' or 'db.sqlite3', got '../etc/'", undefined, true],
  ['[bundle]\nstate = ["/var/lib/x"]\n', "f.toml:2: bundle.state entries are paths inside the app such as 'media/' or 'db.sqlite3', got '/var/lib/x'", undefined, true],
  ['[bundle]\nwith-pip = "yes"\n', "f.toml:2: bundle.with-pip must be true or false", undefined, true],
  ['[bundle]\nformat = "rar"\n', "f.toml:2: bundle.format must be one of tar.gz, zip, dir, got 'rar'", undefined, true],
  ['[bundle]\nrequirements = ["r.txt"]\nlock = "pylock.toml"\n', "f.toml:3: give either bundle.requirements or bundle.lock, not both", "a pylock.toml is already a complete pin set", true],
  ['[bundle]\n[[index]]\nurl = "https://a.example"\n', "f.toml:2: index[0] has no name", 'every [[index]] needs name = "..." and url = "..."', true],
  ['[bundle]\n[[index]]\nname = "a"\n', "f.toml:2: index 'a' has no url", 'every [[index]] needs name = "..." and url = "..."', true],
  ['[bundle]\n[[index]]\nname = "a"\nurl = "ftp://u:p@a.example/simple"\n', "f.toml:4: index 'a': url must be an https, http or file URL, got 'ftp://***@a.example/simple'", undefined, true],
  ['[bundle]\n[[index]]\nname = "a"\nurl = "https://a.example"\n[[index]]\nname = "a"\nurl = "https://b.example"\n', "f.toml:6: two [[index]] tables are named 'a'", undefined, false],
  ['[bundle]\n[[index]]\nname = "a"\nurl = "https://a.example"\nprojects = ["Foo"]\n[[index]]\nname = "b"\nurl = "https://b.example"\nprojects = ["foo"]\n', "f.toml:9: project 'foo' is pinned to two indexes: 'a' and 'b'", "a project comes from exactly one source", false],
  ['[bundle]\n[[index]]\nname = "a"\nurl = "https://a.example"\nprojects = ["not a name"]\n', "f.toml:5: index 'a': not a project name: 'not a name'", undefined, true],
];

describe("spec file errors (E_USAGE naming the file, line and key)", () => {
  for (const [text, message, hint] of BAD) {
    it(message, () => {
      let err: unknown;
      try {
        parseSpecText(text, "f.toml");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WbError);
      const e = err as WbError;
      expect(e.code).toBe("E_USAGE");
      expect(e.message).toBe(message);
      if (hint) expect(e.hints).toEqual([hint]);
      expect(e.details["file"]).toBe("f.toml");
    });
  }
});

describe("manifests/bundle-spec.schema.json (ajv, draft 2020-12)", () => {
  it("accepts the good specs", () => {
    for (const text of [SPEC_MD_EXAMPLE, FULL, "[bundle]\n", '[bundle]\nlock = "pylock.toml"\n']) {
      expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  for (const [text, message, , schemaRejects] of BAD) {
    if (message.includes("invalid TOML")) continue;
    it(`${schemaRejects ? "rejects" : "cannot express"}: ${message}`, () => {
      expect(validate(parse(text))).toBe(!schemaRejects);
    });
  }

  it("documents every key readSpecFile knows (and no other)", () => {
    const s = schema as { properties: { bundle: { properties: object }; index: { items: { properties: object } }; python: { items: { properties: object } } } };
    expect(Object.keys(s.properties).sort()).toEqual(["bundle", "index", "python"]);
    expect(Object.keys(s.properties.bundle.properties)).toEqual(["name", "version", "app", "entry", "requirements", "constraints", "lock", "targets", "find-links", "exclude", "include", "state", "with-pip", "format", "out", "embed-python", "python-mirror"]);
    expect(Object.keys(s.properties.python.items.properties)).toEqual(["target", "url", "sha256"]);
    expect(Object.keys(s.properties.index.items.properties)).toEqual(["name", "url", "projects"]);
  });

  const shipped = readdirSync(join(repo, "manifests")).filter((f) => f.endsWith(".toml"));
  for (const f of shipped) {
    it(`manifests/${f} is valid for the schema and for readSpecFile`, async () => {
      const path = join(repo, "manifests", f);
      expect(validate(parse(readFileSync(path, "utf8"))), JSON.stringify(validate.errors)).toBe(true);
      await expect(readSpecFile(path)).resolves.toMatchObject({ file: path });
    });
  }
});
