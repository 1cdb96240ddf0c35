/**
 * What each command receives from its command line: the flags, parsed and checked once by the CLI
 * (`src/cli/flags.ts` defines them and turns commander's values into these types). A flag that
 * was not given is `undefined` (a flag with a value), `false` (a switch) or `[]` (a repeatable
 * flag). Relative paths are still relative to the working directory; how a flag ranks against
 * the spec file, the requirements files and the environment is decided in `settings.ts`.
 *
 * Adding a flag: add the field here, then its definition in the command's table in
 * `src/cli/flags.ts` (the compiler asks for it), then where it ranks in `settings.ts`.
 */

export type IndexStrategy = "first-index" | "unsafe-best-match";
export type FormatFlag = "tar.gz" | "zip" | "dir";

/** `--python-dist [TARGET=]PATH|URL[#sha256=HEX]`: TARGET is set when the part before `=` is a target. */
export interface PythonDistFlag {
  target?: string;
  ref: string;
}

/** How a command reports: stdout data, stderr logs and progress. */
export interface OutputFlags {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  /** false with --no-progress. */
  progress: boolean;
}

/** The flags `bundle` and `lock` share: inputs, targets, sources, network, cache, resolution. */
export interface ResolveFlags extends OutputFlags {
  requirement: string[];
  constraint: string[];
  lock?: string;
  target: string[];
  /** --target-file FILE[@PYTHON] values (target.json from probe.sh). */
  targetFile: string[];
  indexUrl?: string;
  extraIndexUrl: string[];
  findLinks: string[];
  /** --no-index. */
  noIndex: boolean;
  proxy?: string;
  cert?: string;
  clientCert?: string;
  /** A positive integer. */
  jobs?: number;
  cacheDir?: string;
  offline: boolean;
  verifyCache: boolean;
  pre: boolean;
  pinsOnly: boolean;
  excludeNewer?: Date;
  /** A positive integer. */
  maxResolutionSteps?: number;
  indexStrategy?: IndexStrategy;
}

export interface BundleFlags extends ResolveFlags {
  app?: string;
  exclude: string[];
  include: string[];
  /** Checked paths inside the app (`media/`, `db.sqlite3`). */
  state: string[];
  withPip: boolean;
  name?: string;
  version?: string;
  entry?: string;
  out?: string;
  /** A non-empty path. */
  signKey?: string;
  signAgent: boolean;
  embedPython: boolean;
  pythonMirror?: string;
  pythonDist: PythonDistFlag[];
  format?: FormatFlag;
}

export interface LockFlags extends ResolveFlags {
  out?: string;
  keepGoing: boolean;
  /** Plan for an interpreter the bundle will carry (a --target-file machine needs no Python). */
  embedPython: boolean;
}

/** `--allowed-signers FILE [--identity ID]`; the CLI refuses --identity without --allowed-signers. */
export interface SignatureFlags {
  allowedSigners?: string;
  identity?: string;
}

export interface VerifyFlags extends SignatureFlags {
  json: boolean;
}

export interface InspectFlags {
  allowedSigners?: string;
  json: boolean;
}

export interface DiffFlags {
  json: boolean;
}

export interface TargetsFlags {
  json: boolean;
  targetFile: string[];
  embedPython: boolean;
}

export interface ProbeFlags {
  script: boolean;
}

/** Each command's flags, by command name. */
export interface CommandFlags {
  bundle: BundleFlags;
  lock: LockFlags;
  verify: VerifyFlags;
  inspect: InspectFlags;
  diff: DiffFlags;
  targets: TargetsFlags;
  probe: ProbeFlags;
}

export type CommandName = keyof CommandFlags;

/** Each command's positional arguments, as commander passes them (src/cli/main.ts). */
export interface CommandArgs {
  bundle: [spec?: string];
  lock: [spec?: string];
  verify: [bundle: string];
  inspect: [bundle: string];
  diff: [older: string, newer: string];
  targets: [targets: string[]];
  probe: [];
}
