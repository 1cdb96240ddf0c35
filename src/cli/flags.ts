/**
 * Every command's flags, defined once: the commander spelling and help text, and how
 * commander's raw value becomes the typed field of the command's flags object
 * (`src/commands/flags.ts`). A table is typed against its interface, so a field without a
 * definition (or a definition of the wrong type) does not compile. `addFlags` registers a table
 * with commander; `parseFlags` checks the values once, here at the CLI boundary (E_USAGE), so
 * commands receive typed flags and never look at raw strings.
 *
 * Adding a flag: a field in the interface, one line in the table here (in help order), then its
 * place in `src/commands/settings.ts` if it is a setting of bundle/lock.
 */
import { Option, type Command } from "commander";
import { usageError } from "../errors.js";
import { STATE_PATH_RE } from "../spec/spec-file.js";
import type { BundleFlags, DiffFlags, InspectFlags, LockFlags, PythonDistFlag, ResolveFlags, TargetsFlags, ProbeFlags, VerifyFlags } from "../commands/flags.js";

export interface FlagDef<T> {
  /** commander's spelling: `-r, --requirement <file>`, `--no-index`. */
  readonly spelling: string;
  readonly description: string;
  readonly choices?: readonly string[];
  /** Collects every occurrence into an array. */
  readonly repeatable?: boolean;
  /** commander's value (a string, a string[], a boolean or undefined) as the typed field; throws E_USAGE. */
  readonly parse: (raw: unknown) => T;
}

export type FlagTable<F> = { readonly [K in keyof F]-?: FlagDef<F[K]> };

/** A command's flags and the checks that involve more than one flag. */
export interface FlagSet<F> {
  readonly flags: FlagTable<F>;
  readonly check?: (flags: F) => void;
}

const strings = (raw: unknown): string[] => (Array.isArray(raw) ? raw.filter((x): x is string => typeof x === "string") : []);

/** A value; an empty value counts as not given. */
function text(spelling: string, description: string): FlagDef<string | undefined> {
  return { spelling, description, parse: (raw) => (typeof raw === "string" && raw !== "" ? raw : undefined) };
}
/** A value taken as written, empty included (the command says what an empty one means). */
function verbatim(spelling: string, description: string): FlagDef<string | undefined> {
  return { spelling, description, parse: (raw) => (typeof raw === "string" ? raw : undefined) };
}
/** A value parsed (and checked) by `parse`. */
function typed<T>(spelling: string, description: string, parse: (v: string) => T): FlagDef<T | undefined> {
  return { spelling, description, parse: (raw) => (typeof raw === "string" ? parse(raw) : undefined) };
}
function texts(spelling: string, description: string): FlagDef<string[]> {
  return { spelling, description, repeatable: true, parse: strings };
}
function typedList<T>(spelling: string, description: string, parse: (v: string) => T): FlagDef<T[]> {
  return { spelling, description, repeatable: true, parse: (raw) => strings(raw).map(parse) };
}
function choice<C extends string>(spelling: string, description: string, choices: readonly C[]): FlagDef<C | undefined> {
  return { spelling, description, choices, parse: (raw) => (choices as readonly unknown[]).includes(raw) ? (raw as C) : undefined };
}
function toggle(spelling: string, description: string): FlagDef<boolean> {
  return { spelling, description, parse: (raw) => raw === true };
}
/** `--no-X` given: true (commander stores X = false). */
function negation(spelling: string, description: string): FlagDef<boolean> {
  return { spelling, description, parse: (raw) => raw === false };
}
/** `--no-X` not given: true. */
function unlessNegated(spelling: string, description: string): FlagDef<boolean> {
  return { spelling, description, parse: (raw) => raw !== false };
}

function positiveInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw usageError(`${flag} must be a positive integer, got '${v}'`);
    return n;
  };
}

function dateFlag(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw usageError(`--exclude-newer takes a date or timestamp (2025-01-31 or 2025-01-31T12:00:00Z), got '${v}'`);
  return d;
}

function statePath(p: string): string {
  if (!STATE_PATH_RE.test(p) || p.includes("//")) throw usageError(`--state takes a path inside the app such as 'media/' or 'db.sqlite3', got '${p}'`);
  return p;
}

/** `TARGET=REF` when the part before `=` is a target (it has an `@`), else a plain REF. */
export function splitDistFlag(v: string): PythonDistFlag {
  const m = /^([^=/\\:]+@[^=/\\]+)=(.+)$/.exec(v);
  return m ? { target: m[1], ref: m[2]! } : { ref: v };
}

function signKey(v: string): string | undefined {
  if (v === "") throw usageError("--sign-key needs the path of an OpenSSH ed25519 private key");
  return v;
}

const RESOLVE_FLAGS: FlagTable<ResolveFlags> = {
  requirement: texts("-r, --requirement <file>", "pip requirements file (repeatable)"),
  constraint: texts("-c, --constraint <file>", "constraints file (repeatable)"),
  lock: text("--lock <file>", "take a pylock.toml instead of requirements"),
  target: texts("--target <platform@python>", "target, e.g. manylinux_2_28_x86_64@3.11 (repeatable)"),
  targetFile: texts("--target-file <file[@python]>", "the machine probe.sh described (target.json), for its Python or @PYTHON (repeatable)"),
  indexUrl: text("-i, --index-url <url>", "primary package index (PEP 503/691)"),
  extraIndexUrl: texts("--extra-index-url <url>", "further index, consulted after the primary (repeatable)"),
  findLinks: texts("-f, --find-links <dir|url>", "directory or HTML page of wheels (repeatable)"),
  noIndex: negation("--no-index", "use no index, only --find-links"),
  proxy: text("--proxy <url>", "HTTP(S) proxy; otherwise HTTPS_PROXY/HTTP_PROXY/NO_PROXY"),
  cert: text("--cert <file>", "extra CA bundle (PEM), added to the system store"),
  clientCert: text("--client-cert <file>", "client certificate + key (PEM) for mTLS"),
  jobs: typed("--jobs <n>", "concurrent downloads (default 8)", positiveInt("--jobs")),
  cacheDir: text("--cache-dir <dir>", "download cache (default: WHEELBARROW_CACHE_DIR or the platform cache dir)"),
  offline: toggle("--offline", "use the cache only; no network"),
  verifyCache: toggle("--verify-cache", "re-hash each cached wheel before using it (a cache entry is otherwise trusted: it was verified when written)"),
  pre: toggle("--pre", "allow pre-releases when resolving"),
  pinsOnly: toggle("--pins-only", "refuse unpinned requirements (E_NOT_PINNED) instead of resolving them"),
  excludeNewer: typed("--exclude-newer <date>", "ignore files uploaded after DATE (reproducible resolution)", (v) => (v === "" ? undefined : dateFlag(v))),
  maxResolutionSteps: typed("--max-resolution-steps <n>", "stop a resolution after N steps", positiveInt("--max-resolution-steps")),
  indexStrategy: choice("--index-strategy <strategy>", "first-index (default): a project comes only from the first index that has it; unsafe-best-match: from every index", ["first-index", "unsafe-best-match"]),
  json: toggle("--json", "print machine-readable results on stdout"),
  quiet: toggle("-q, --quiet", "only errors on stderr"),
  verbose: toggle("-v, --verbose", "more detail on stderr"),
  progress: unlessNegated("--no-progress", "no progress bars"),
};

export const BUNDLE: FlagSet<BundleFlags> = {
  flags: {
    ...RESOLVE_FLAGS,
    app: text("--app <dir>", "application source to ship"),
    exclude: texts("--exclude <glob>", "exclude from the app (repeatable, .gitignore-style)"),
    include: texts("--include <glob>", "ship a secret-looking app file (.env, *.pem, *.key, id_rsa*, .netrc) on purpose (repeatable)"),
    state: typedList("--state <path>", "app path kept in DEST/shared across releases, e.g. media/ or db.sqlite3 (repeatable)", statePath),
    withPip: toggle("--with-pip", "ship the target's pip wheel and install it into the venv"),
    name: text("--name <name>", "bundle name"),
    version: text("--version <version>", "bundle version"),
    entry: text("--entry <module:function|script.py>", "what bin/<name> runs after install"),
    out: text("-o, --out <dir>", "output directory (default dist/)"),
    signKey: typed("--sign-key <file>", "sign with this OpenSSH ed25519 private key (with --sign-agent: its .pub picks the agent key)", signKey),
    signAgent: toggle("--sign-agent", "sign with the ed25519 key held by ssh-agent (SSH_AUTH_SOCK)"),
    embedPython: toggle("--embed-python", "carry a python-build-standalone interpreter in each bundle"),
    pythonMirror: text("--python-mirror <url>", "directory (https, http, file) of python-build-standalone archives and their SHA256SUMS (or WHEELBARROW_PYTHON_MIRROR)"),
    pythonDist: typedList("--python-dist <[target=]path|url>", "the interpreter archive to embed, optionally #sha256=HEX (repeatable as TARGET=...)", splitDistFlag),
    format: choice("--format <format>", "archive format (default tar.gz; zip for Windows targets)", ["tar.gz", "zip", "dir"]),
  },
};

export const LOCK: FlagSet<LockFlags> = {
  flags: {
    ...RESOLVE_FLAGS,
    out: text("-o, --out <file>", "where to write the lock (default pylock.toml)"),
    keepGoing: toggle("--keep-going", "with several targets: write the targets that plan, report the others, exit 1"),
    embedPython: toggle("--embed-python", "plan for an interpreter the bundle will carry: a --target-file machine needs no Python"),
  },
};

export const VERIFY: FlagSet<VerifyFlags> = {
  flags: {
    allowedSigners: verbatim("--allowed-signers <file>", "require a signature by a key of this ssh-keygen allowed_signers file"),
    identity: verbatim("--identity <principal>", "with --allowed-signers: the signer must be this principal"),
    json: toggle("--json", "machine-readable result"),
  },
  check: (f) => {
    if (f.identity !== undefined && f.allowedSigners === undefined) throw usageError("--identity needs --allowed-signers FILE (the keys the identity may sign with)");
    if (f.identity === "") throw usageError("--identity needs a principal, e.g. --identity release@example.org");
  },
};

export const INSPECT: FlagSet<InspectFlags> = {
  flags: {
    allowedSigners: verbatim("--allowed-signers <file>", "also name the signer's principal from this allowed_signers file"),
    json: toggle("--json", "machine-readable result"),
  },
};

export const DIFF: FlagSet<DiffFlags> = {
  flags: { json: toggle("--json", "machine-readable result") },
};

export const TARGETS: FlagSet<TargetsFlags> = {
  flags: {
    targetFile: texts("--target-file <file[@python]>", "explain the machine probe.sh described (target.json) (repeatable)"),
    embedPython: toggle("--embed-python", "with --target-file: for an interpreter the bundle carries (the machine needs no Python)"),
    json: toggle("--json", "machine-readable result"),
  },
};

export const PROBE: FlagSet<ProbeFlags> = {
  flags: { script: toggle("--script", "print the POSIX sh probe script on stdout") },
};

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function optionOf(def: FlagDef<unknown>): Option {
  const o = new Option(def.spelling, def.description);
  if (def.choices) o.choices(def.choices);
  if (def.repeatable) o.argParser(collect);
  return o;
}

/** Registers a flag set's options on a commander command, in the table's order. */
export function addFlags<F>(cmd: Command, set: FlagSet<F>): Command {
  for (const def of Object.values<FlagDef<unknown>>(set.flags)) cmd.addOption(optionOf(def));
  return cmd;
}

/** commander's option values -> the typed flags object; E_USAGE on a bad value. */
export function parseFlags<F>(set: FlagSet<F>, raw: Record<string, unknown>): F {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries<FlagDef<unknown>>(set.flags)) out[key] = def.parse(raw[optionOf(def).attributeName()]);
  const flags = out as F;
  set.check?.(flags);
  return flags;
}
