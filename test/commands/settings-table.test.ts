/**
 * The precedence table of bundle/lock settings (README "Where options come from"), row by row:
 * each row gives a setting's value in some layers, and the value that wins. The layers are made
 * as a run makes them: flags parsed by the real commander program (buildProgram), a spec file
 * parsed from TOML, requirements files parsed from their text, an environment; then the two
 * phases of src/commands/settings.ts.
 */
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import type { CommandFlags } from "../../src/commands/flags.js";
import { formatFor, requirementsLayer, resolveSettings, sourceDateEpoch, withRequirementsOptions, type RunFlags, type RunSettings } from "../../src/commands/settings.js";
import { DEFAULT_INDEX_URL } from "../../src/index/sources.js";
import { parseRequirementsFile } from "../../src/pypa/requirements-txt.js";
import { parseSpecText } from "../../src/spec/spec-file.js";

const CWD = "/p";
const SPEC_FILE = "/p/spec/wheelbarrow.toml";
const REQ_FILE = "/p/req/requirements.txt";
const A = "https://flag.example/simple/";
const B = "https://spec.example/simple/";
const C = "https://file.example/simple/";
const XA = "https://flag-extra.example/simple/";
const XB = "https://spec-extra.example/simple/";
const XC = "https://file-extra.example/simple/";
const PBS = "cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only.tar.gz";

type Env = Record<string, string | undefined>;
type Winner = "flag" | "spec file" | "requirements file" | "environment" | "default" | "all layers";

interface Layers {
  command?: "bundle" | "lock";
  /** argv after the command name. */
  flag?: string[];
  /** Keys of the spec file's [bundle] table, then any [[index]] / [[python]] tables. */
  spec?: string;
  /** The requirements file's text (its requirement lines are not needed here). */
  req?: string;
  env?: Env;
}

async function flagsOf(command: "bundle" | "lock", argv: string[]): Promise<RunFlags> {
  let got: CommandFlags["bundle" | "lock"] | undefined;
  const program = buildProgram(async (_name, _args, flags) => {
    got = flags as CommandFlags["bundle" | "lock"];
  });
  await program.parseAsync([command, ...argv], { from: "user" });
  if (!got) throw new Error(`${command} was not run`);
  return got;
}

async function settingsOf(l: Layers): Promise<RunSettings> {
  const command = l.command ?? "bundle";
  const env = { HOME: "/home/u", ...l.env };
  const spec = l.spec === undefined ? undefined : parseSpecText(`[bundle]\n${l.spec}\n`, SPEC_FILE);
  const flags = await flagsOf(command, [...(l.flag ?? []), ...(spec?.requirements.length || l.flag?.includes("-r") ? [] : ["-r", REQ_FILE])]);
  const phase1 = resolveSettings({ command, cwd: CWD, flags, spec, env, platform: "linux" });
  const files = l.req === undefined ? [] : phase1.requirements.map((f) => parseRequirementsFile(f, () => ({ text: l.req! }), env, { cwd: CWD }));
  return withRequirementsOptions(phase1, requirementsLayer(files));
}

const primaryIndex = (s: RunSettings) => (s.indexes.noIndex ? "no index" : (s.indexes.indexUrl ?? DEFAULT_INDEX_URL));
const specIndex = (name: string, url: string) => `[[index]]\nname = "${name}"\nurl = "${url}"\n`;

/** Per setting: how to read it from the settings, then rows of [who wins, layers, the value that wins]. */
const TABLE: { setting: string; get: (s: RunSettings) => unknown; rows: [Winner, Layers, unknown][] }[] = [
  {
    setting: "index-url",
    get: primaryIndex,
    rows: [
      ["flag", { flag: ["-i", A], spec: specIndex("b", B), req: `-i ${C}` }, A],
      ["spec file", { spec: specIndex("b", B), req: `-i ${C}` }, B],
      ["requirements file", { req: `--index-url ${C}` }, C],
      ["default", {}, DEFAULT_INDEX_URL],
    ],
  },
  {
    setting: "no-index",
    get: primaryIndex,
    rows: [
      ["flag", { flag: ["--no-index"], spec: specIndex("b", B), req: `-i ${C}` }, "no index"],
      ["flag", { flag: ["-i", A], req: "--no-index" }, A],
      ["spec file", { spec: specIndex("b", B), req: "--no-index" }, B],
      ["flag", { flag: ["--extra-index-url", XA], req: "--no-index" }, DEFAULT_INDEX_URL],
      ["requirements file", { req: "--no-index" }, "no index"],
      ["default", {}, DEFAULT_INDEX_URL],
    ],
  },
  {
    setting: "extra-index-url (adds up, flags first)",
    get: (s) => s.indexes.extraIndexUrls,
    rows: [
      ["all layers", { flag: ["--extra-index-url", XA], spec: specIndex("b", B) + specIndex("xb", XB), req: `--extra-index-url ${XC}` }, [XA, XB, XC]],
      ["requirements file", { req: `--extra-index-url ${XC}` }, [XC]],
      ["flag", { flag: ["--no-index", "--extra-index-url", XA], req: `--extra-index-url ${XC}` }, []],
      ["default", {}, []],
    ],
  },
  {
    setting: "find-links (adds up, flags first)",
    get: (s) => s.indexes.findLinks,
    rows: [
      ["all layers", { flag: ["-f", "wheels"], spec: 'find-links = ["w"]', req: "-f ./rw" }, ["/p/wheels", "/p/spec/w", "/p/req/rw"]],
      ["flag", { flag: ["--find-links", "https://h.example/links/"] }, ["https://h.example/links/"]],
      ["default", {}, []],
    ],
  },
  {
    setting: "proxy",
    get: (s) => s.proxies,
    rows: [
      ["flag", { flag: ["--proxy", "http://flag-proxy:3128"], env: { HTTPS_PROXY: "http://env-proxy:3128", NO_PROXY: "internal.example" } }, { http: "http://flag-proxy:3128", https: "http://flag-proxy:3128", noProxy: "internal.example" }],
      ["environment", { env: { HTTPS_PROXY: "env-proxy:3128", HTTP_PROXY: "http://plain-proxy:8080" } }, { http: "http://plain-proxy:8080", https: "http://env-proxy:3128", noProxy: "" }],
      ["default", {}, { http: undefined, https: undefined, noProxy: "" }],
    ],
  },
  {
    setting: "cert",
    get: (s) => [s.cert, s.clientCert],
    rows: [
      ["flag", { flag: ["--cert", "ca.pem", "--client-cert", "/etc/me.pem"] }, ["/p/ca.pem", "/etc/me.pem"]],
      ["default", {}, [undefined, undefined]],
    ],
  },
  {
    setting: "jobs",
    get: (s) => s.jobs,
    rows: [
      ["flag", { flag: ["--jobs", "3"] }, 3],
      ["default", {}, 8],
    ],
  },
  {
    setting: "cache-dir",
    get: (s) => s.cacheDir,
    rows: [
      ["flag", { flag: ["--cache-dir", "c"], env: { WHEELBARROW_CACHE_DIR: "/e/cache" } }, "/p/c"],
      ["environment", { env: { WHEELBARROW_CACHE_DIR: "/e/cache", XDG_CACHE_HOME: "/xdg" } }, "/e/cache"],
      ["environment", { env: { XDG_CACHE_HOME: "/xdg" } }, "/xdg/wheelbarrow"],
      ["default", {}, "/home/u/.cache/wheelbarrow"],
    ],
  },
  {
    setting: "offline",
    get: (s) => s.offline,
    rows: [
      ["flag", { flag: ["--offline"] }, true],
      ["default", {}, false],
    ],
  },
  {
    setting: "verify-cache",
    get: (s) => s.verifyCache,
    rows: [
      ["flag", { flag: ["--verify-cache"] }, true],
      ["default", {}, false],
    ],
  },
  {
    setting: "pre (on in any layer)",
    get: (s) => s.pre,
    rows: [
      ["flag", { flag: ["--pre"] }, true],
      ["requirements file", { req: "--pre" }, true],
      ["default", {}, false],
    ],
  },
  {
    setting: "pins-only",
    get: (s) => s.pinsOnly,
    rows: [
      ["flag", { flag: ["--pins-only"] }, true],
      ["default", {}, false],
    ],
  },
  {
    setting: "exclude-newer",
    get: (s) => s.excludeNewer?.toISOString(),
    rows: [
      ["flag", { flag: ["--exclude-newer", "2025-01-31T12:00:00Z"] }, "2025-01-31T12:00:00.000Z"],
      ["default", {}, undefined],
    ],
  },
  {
    setting: "max-resolution-steps",
    get: (s) => s.maxSteps,
    rows: [
      ["flag", { flag: ["--max-resolution-steps", "50"] }, 50],
      ["default", {}, 100_000],
    ],
  },
  {
    setting: "index-strategy",
    get: (s) => s.indexStrategy,
    rows: [
      ["flag", { flag: ["--index-strategy", "unsafe-best-match"] }, "unsafe-best-match"],
      ["default", {}, "first-index"],
    ],
  },
  {
    setting: "target",
    get: (s) => s.targets,
    rows: [
      ["flag", { flag: ["--target", "win_amd64@3.11"], spec: 'targets = ["linux-x86_64@3.12"]' }, ["win_amd64@3.11"]],
      ["spec file", { spec: 'targets = ["linux-x86_64@3.12", "macos-arm64@3.12"]' }, ["linux-x86_64@3.12", "macos-arm64@3.12"]],
      ["default", {}, []],
    ],
  },
  {
    setting: "requirement",
    get: (s) => s.requirements,
    rows: [
      ["flag", { flag: ["-r", "a.txt"], spec: 'requirements = ["s.txt"]' }, ["/p/a.txt"]],
      ["spec file", { spec: 'requirements = ["s.txt"]' }, ["/p/spec/s.txt"]],
    ],
  },
  {
    setting: "constraint (adds up, flags first)",
    get: (s) => s.constraints,
    rows: [
      ["all layers", { flag: ["-c", "c.txt"], spec: 'constraints = ["sc.txt"]' }, ["/p/c.txt", "/p/spec/sc.txt"]],
      ["default", {}, []],
    ],
  },
  {
    setting: "lock",
    get: (s) => s.lock,
    rows: [
      ["flag", { flag: ["--lock", "pylock.toml", "-r", REQ_FILE], spec: 'lock = "pylock.spec.toml"' }, "/p/pylock.toml"],
      ["spec file", { spec: 'lock = "pylock.spec.toml"' }, "/p/spec/pylock.spec.toml"],
      ["default", {}, undefined],
    ],
  },
  {
    setting: "out",
    get: (s) => s.out,
    rows: [
      ["flag", { flag: ["-o", "o"], spec: 'out = "so"' }, "/p/o"],
      ["spec file", { spec: 'out = "so"' }, "/p/spec/so"],
      ["default", {}, "/p/dist"],
      ["default", { command: "lock" }, "/p/pylock.toml"],
      ["flag", { command: "lock", flag: ["--out", "locks/pylock.toml"], spec: 'out = "so.toml"' }, "/p/locks/pylock.toml"],
    ],
  },
  {
    setting: "format (Linux target, Windows target)",
    get: (s) => [formatFor(s, "linux"), formatFor(s, "windows")],
    rows: [
      ["flag", { flag: ["--format", "dir"], spec: 'format = "zip"' }, ["dir", "dir"]],
      ["spec file", { spec: 'format = "zip"' }, ["zip", "zip"]],
      ["default", {}, ["tar.gz", "zip"]],
    ],
  },
  {
    setting: "embed-python (on in any layer, or by any interpreter archive)",
    get: (s) => s.embedPython,
    rows: [
      ["flag", { flag: ["--embed-python"] }, true],
      ["spec file", { spec: "embed-python = true" }, true],
      ["flag", { flag: ["--python-dist", `/srv/${PBS}`] }, true],
      ["spec file", { spec: `[[python]]\nurl = "/srv/${PBS}"` }, true],
      ["default", {}, false],
    ],
  },
  {
    setting: "python-mirror",
    get: (s) => s.pythonMirror,
    rows: [
      ["flag", { flag: ["--python-mirror", "https://flag.example/pbs"], env: { WHEELBARROW_PYTHON_MIRROR: "https://env.example/pbs" }, spec: 'python-mirror = "https://spec.example/pbs"' }, "https://flag.example/pbs"],
      ["spec file", { env: { WHEELBARROW_PYTHON_MIRROR: "https://env.example/pbs" }, spec: 'python-mirror = "pbs"' }, "file:///p/spec/pbs"],
      ["environment", { env: { WHEELBARROW_PYTHON_MIRROR: "https://env.example/pbs" } }, "https://env.example/pbs"],
      ["default", { env: { WHEELBARROW_PYTHON_MIRROR: "" } }, undefined],
      ["default", {}, undefined],
    ],
  },
  {
    setting: "python-dist (adds up, flags first)",
    get: (s) => s.pythonDists,
    rows: [
      [
        "all layers",
        { flag: ["--python-dist", `linux-x86_64@3.12=/srv/${PBS}`], spec: `[[python]]\nurl = "/spec/${PBS}"` },
        [{ target: "linux-x86_64@3.12", ref: `/srv/${PBS}` }, { target: undefined, ref: `/spec/${PBS}`, sha256: undefined }],
      ],
      ["default", {}, []],
    ],
  },
  {
    setting: "name",
    get: (s) => s.name,
    rows: [
      ["flag", { flag: ["--name", "flagname", "--app", "src/shop"], spec: 'name = "specname"' }, "flagname"],
      ["spec file", { flag: ["--app", "src/shop"], spec: 'name = "specname"' }, "specname"],
      ["default", { flag: ["--app", "src/shop"] }, "shop"],
      ["default", {}, "bundle"],
    ],
  },
  {
    setting: "version",
    get: (s) => s.version,
    rows: [
      ["flag", { flag: ["--version", "2.0"], spec: 'version = "1.0"' }, "2.0"],
      ["spec file", { spec: 'version = "1.0"' }, "1.0"],
      ["default", {}, "0.0.0"],
    ],
  },
  {
    setting: "app and entry",
    get: (s) => [s.app, s.entry],
    rows: [
      ["flag", { flag: ["--app", "a", "--entry", "a.main:run"], spec: 'app = "sa"\nentry = "sa.main:main"' }, ["/p/a", "a.main:run"]],
      ["spec file", { spec: 'app = "sa"\nentry = "sa.main:main"' }, ["/p/spec/sa", "sa.main:main"]],
      ["default", {}, [undefined, undefined]],
    ],
  },
  {
    setting: "exclude, include, state (add up, spec file first)",
    get: (s) => [s.exclude, s.include, s.state],
    rows: [
      ["all layers", { flag: ["--exclude", "*.log", "--include", ".env", "--state", "media/", "--state", "db.sqlite3"], spec: 'exclude = ["tmp/"]\ninclude = ["key.pem"]\nstate = ["media/"]' }, [["tmp/", "*.log"], ["key.pem", ".env"], ["media/", "db.sqlite3"]]],
      ["default", {}, [[], [], []]],
    ],
  },
  {
    setting: "with-pip (on in any layer)",
    get: (s) => s.withPip,
    rows: [
      ["flag", { flag: ["--with-pip"] }, true],
      ["spec file", { spec: "with-pip = true" }, true],
      ["default", {}, false],
    ],
  },
  {
    setting: "keep-going (lock)",
    get: (s) => s.keepGoing,
    rows: [
      ["flag", { command: "lock", flag: ["--keep-going"] }, true],
      ["default", { command: "lock" }, false],
    ],
  },
  {
    setting: "output (json, quiet, verbose, progress)",
    get: (s) => [s.json, s.quiet, s.verbose, s.progress],
    rows: [
      ["flag", { flag: ["--json", "-q", "-v", "--no-progress"] }, [true, true, true, false]],
      ["default", {}, [false, false, false, true]],
    ],
  },
];

function given(l: Layers): string {
  const parts = [
    l.flag && `flags ${l.flag.join(" ")}`,
    l.spec !== undefined && `spec file ${JSON.stringify(l.spec.replace(/\n/g, "; "))}`,
    l.req !== undefined && `requirements file "${l.req}"`,
    l.env && `environment ${Object.keys(l.env).join(", ")}`,
  ].filter(Boolean);
  return `${l.command ?? "bundle"}${parts.length ? `, ${parts.join(", ")}` : ", nothing given"}`;
}

describe("settings precedence table", () => {
  for (const { setting, get, rows } of TABLE) {
    describe(setting, () => {
      for (const [winner, layers, expected] of rows) {
        it(`${given(layers)}: ${winner === "all layers" ? "every layer contributes" : `the ${winner} wins`}`, async () => {
          expect(get(await settingsOf(layers))).toEqual(expected);
        });
      }
    });
  }
});

describe("requirements files as one layer", () => {
  it("the last file's -i counts; extra indexes and find-links add up in file order; --no-index and --pre in any file count", () => {
    const one = { indexUrl: A, extraIndexUrls: [XA], findLinks: ["/one"], noIndex: false, pre: true };
    const two = { indexUrl: C, extraIndexUrls: [XC], findLinks: ["/two"], noIndex: true, pre: false };
    expect(requirementsLayer([one, two])).toEqual({ indexUrl: C, extraIndexUrls: [XA, XC], findLinks: ["/one", "/two"], noIndex: true, pre: true });
    expect(requirementsLayer([])).toEqual({ extraIndexUrls: [], findLinks: [], noIndex: false, pre: false });
  });

  it("a spec file's [[index]] outranks a requirements file's -i, and the index credentials stay with the named one", async () => {
    const s = await settingsOf({ spec: specIndex("b", B), req: `-i ${C}` });
    expect(s.indexes.indexUrl).toBe(B);
    expect(s.namedIndexUrl).toBe(B);
    expect(s.requirementsOptions.indexUrl).toBe(C);
    const fromFile = await settingsOf({ req: `-i ${C}` });
    expect(fromFile.indexes.indexUrl).toBe(C);
    expect(fromFile.namedIndexUrl).toBeUndefined();
  });
});

describe("SOURCE_DATE_EPOCH (bundle)", () => {
  it("the environment sets the archives' timestamp; unset or empty, 1980-01-01", () => {
    expect(sourceDateEpoch({ SOURCE_DATE_EPOCH: "1700000000" })).toBe(1_700_000_000);
    expect(sourceDateEpoch({})).toBe(315_532_800);
    expect(sourceDateEpoch({ SOURCE_DATE_EPOCH: "" })).toBe(315_532_800);
  });

  it("refuses a value before 1980 or not a whole number of seconds with E_USAGE", () => {
    expect(() => sourceDateEpoch({ SOURCE_DATE_EPOCH: "12" })).toThrow(expect.objectContaining({ code: "E_USAGE" }));
    expect(() => sourceDateEpoch({ SOURCE_DATE_EPOCH: "1.5e9x" })).toThrow(/SOURCE_DATE_EPOCH must be an integer number of seconds >= 315532800/);
  });
});
