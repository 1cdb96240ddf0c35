/**
 * argv -> typed options -> command. The only place that exits the process.
 * Exit codes: 0 success, 1 user/environment/network fault (WbError), 2 internal error (a bug),
 * 130/143 interrupted by SIGINT/SIGTERM.
 */
import { terminalSafeJson, terminalSafeText } from "../text/terminal-safe.js";
import { Command, CommanderError, Option } from "commander";
import { processContext, type Context } from "../context.js";
import { WbError, isWbError } from "../errors.js";
import { redactUrlsInText } from "../text/redact-url.js";
import { noSpaceError } from "../commands/no-space.js";
import { removeTrackedTemps } from "../store/temp-files.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { commandTable, type CommandName } from "./commands.js";
import { createReporter } from "./progress.js";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function addResolveOptions(cmd: Command): Command {
  return cmd
    .argument("[spec]", "bundle spec file (TOML)")
    .option("-r, --requirement <file>", "pip requirements file (repeatable)", collect)
    .option("-c, --constraint <file>", "constraints file (repeatable)", collect)
    .option("--lock <file>", "take a pylock.toml instead of requirements")
    .option("--target <platform@python>", "target, e.g. manylinux_2_28_x86_64@3.11 (repeatable)", collect)
    .option("--target-file <file[@python]>", "the machine probe.sh described (target.json), for its Python or @PYTHON (repeatable)", collect)
    .option("-i, --index-url <url>", "primary package index (PEP 503/691)")
    .option("--extra-index-url <url>", "further index, consulted after the primary (repeatable)", collect)
    .option("-f, --find-links <dir|url>", "directory or HTML page of wheels (repeatable)", collect)
    .option("--no-index", "use no index, only --find-links")
    .option("--proxy <url>", "HTTP(S) proxy; otherwise HTTPS_PROXY/HTTP_PROXY/NO_PROXY")
    .option("--cert <file>", "extra CA bundle (PEM), added to the system store")
    .option("--client-cert <file>", "client certificate + key (PEM) for mTLS")
    .option("--jobs <n>", "concurrent downloads (default 8)")
    .option("--cache-dir <dir>", "download cache (default: WHEELBARROW_CACHE_DIR or the platform cache dir)")
    .option("--offline", "use the cache only; no network")
    .option("--verify-cache", "re-hash each cached wheel before using it (a cache entry is otherwise trusted: it was verified when written)")
    .option("--pre", "allow pre-releases when resolving")
    .option("--pins-only", "refuse unpinned requirements (E_NOT_PINNED) instead of resolving them")
    .option("--exclude-newer <date>", "ignore files uploaded after DATE (reproducible resolution)")
    .option("--max-resolution-steps <n>", "stop a resolution after N steps")
    .addOption(new Option("--index-strategy <strategy>", "first-index (default): a project comes only from the first index that has it; unsafe-best-match: from every index").choices(["first-index", "unsafe-best-match"]))
    .option("--json", "print machine-readable results on stdout")
    .option("-q, --quiet", "only errors on stderr")
    .option("-v, --verbose", "more detail on stderr")
    .option("--no-progress", "no progress bars");
}

export function buildProgram(run: (name: CommandName, args: unknown[], opts: Record<string, unknown>) => Promise<void>): Command {
  const program = new Command(TOOL_NAME)
    .description("Offline bundler for portable, air-gapped Python deployments")
    .version(TOOL_VERSION, "-V, --version")
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride();

  const bundle = addResolveOptions(program.command("bundle").description("resolve, download and pack one archive per target"));
  bundle
    .option("--app <dir>", "application source to ship")
    .option("--exclude <glob>", "exclude from the app (repeatable, .gitignore-style)", collect)
    .option("--include <glob>", "ship a secret-looking app file (.env, *.pem, *.key, id_rsa*, .netrc) on purpose (repeatable)", collect)
    .option("--state <path>", "app path kept in DEST/shared across releases, e.g. media/ or db.sqlite3 (repeatable)", collect)
    .option("--with-pip", "ship the target's pip wheel and install it into the venv")
    .option("--name <name>", "bundle name")
    .option("--version <version>", "bundle version")
    .option("--entry <module:function|script.py>", "what bin/<name> runs after install")
    .option("-o, --out <dir>", "output directory (default dist/)")
    .option("--sign-key <file>", "sign with this OpenSSH ed25519 private key (with --sign-agent: its .pub picks the agent key)")
    .option("--sign-agent", "sign with the ed25519 key held by ssh-agent (SSH_AUTH_SOCK)")
    .option("--embed-python", "carry a python-build-standalone interpreter in each bundle")
    .option("--python-mirror <url>", "directory (https, http, file) of python-build-standalone archives and their SHA256SUMS (or WHEELBARROW_PYTHON_MIRROR)")
    .option("--python-dist <[target=]path|url>", "the interpreter archive to embed, optionally #sha256=HEX (repeatable as TARGET=...)", collect)
    .addOption(new Option("--format <format>", "archive format (default tar.gz; zip for Windows targets)").choices(["tar.gz", "zip", "dir"]));
  bundle.action(async (spec: string | undefined, opts: Record<string, unknown>) => run("bundle", [spec], opts));

  const lock = addResolveOptions(program.command("lock").description("resolve and select only; write pylock.toml; no wheel bodies"));
  lock.option("-o, --out <file>", "where to write the lock (default pylock.toml)");
  lock.option("--keep-going", "with several targets: write the targets that plan, report the others, exit 1");
  lock.option("--embed-python", "plan for an interpreter the bundle will carry: a --target-file machine needs no Python");
  lock.action(async (spec: string | undefined, opts: Record<string, unknown>) => run("lock", [spec], opts));

  program
    .command("verify")
    .description("check an archive (or unpacked dir) end to end")
    .argument("<bundle>")
    .option("--allowed-signers <file>", "require a signature by a key of this ssh-keygen allowed_signers file")
    .option("--identity <principal>", "with --allowed-signers: the signer must be this principal")
    .option("--json", "machine-readable result")
    .action(async (b: string, opts: Record<string, unknown>) => run("verify", [b], opts));
  program
    .command("inspect")
    .description("what is inside a bundle: target, packages, sizes, provenance")
    .argument("<bundle>")
    .option("--allowed-signers <file>", "also name the signer's principal from this allowed_signers file")
    .option("--json", "machine-readable result")
    .action(async (b: string, opts: Record<string, unknown>) => run("inspect", [b], opts));
  program
    .command("diff")
    .description("packages added / removed / changed between two bundles")
    .argument("<old>")
    .argument("<new>")
    .option("--json", "machine-readable result")
    .action(async (a: string, b: string, opts: Record<string, unknown>) => run("diff", [a, b], opts));
  program
    .command("targets")
    .description("the target aliases and what each expands to")
    .argument("[target...]", "explain these targets instead of the alias table")
    .option("--target-file <file[@python]>", "explain the machine probe.sh described (target.json) (repeatable)", collect)
    .option("--embed-python", "with --target-file: for an interpreter the bundle carries (the machine needs no Python)")
    .option("--json", "machine-readable result")
    .action(async (targets: string[], opts: Record<string, unknown>) => run("targets", [targets], opts));
  program
    .command("probe")
    .description("print the target probe: on the target, `sh probe.sh > target.json`, then --target-file target.json")
    .option("--script", "print the POSIX sh probe script on stdout")
    .action(async (opts: Record<string, unknown>) => run("probe", [], opts));
  return program;
}

/** What the error path needs to know before (or without) commander having parsed anything. */
export interface ReportOptions {
  json: boolean;
  verbose: boolean;
}

/** `--json` / `--verbose` as given on the command line (before a `--`), whatever the command. */
export function reportOptions(argv: string[], env: Record<string, string | undefined> = {}): ReportOptions {
  const end = argv.indexOf("--");
  const args = end === -1 ? argv : argv.slice(0, end);
  return {
    json: args.includes("--json"),
    verbose: args.includes("--verbose") || args.some((a) => /^-[a-z]*v[a-z]*$/.test(a)) || Boolean(env["WHEELBARROW_DEBUG"]),
  };
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: string[], ctx: Context = processContext()): Promise<number> {
  const report = reportOptions(argv, ctx.env);
  try {
    ctx.makeReporter ??= (o) => createReporter({ stderr: ctx.stderr, ...o });
    let exitCode = 0;
    const program = buildProgram(async (name, args, opts) => {
      exitCode = await commandTable[name](args, opts, ctx);
    });
    program.configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: () => {
        /* printed by reportError as error[E_USAGE] */
      },
    });
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError && (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")) return 0;
    return reportError(e, ctx, report);
  }
}

/** Any thrown value as the coded error the user sees. */
export function toWbError(e: unknown): WbError {
  if (isWbError(e)) return e;
  if (e instanceof CommanderError) {
    return new WbError("E_USAGE", e.message.replace(/^error: /, ""), { hint: `run '${TOOL_NAME} --help' for usage` });
  }
  const noSpace = noSpaceError(e);
  if (noSpace) return noSpace;
  const err = e instanceof Error ? e : new Error(String(e));
  return new WbError("E_INTERNAL", `${redactUrlsInText(err.message || err.name)} (this is a bug in ${TOOL_NAME}; please report it)`, {
    hint: `${TOOL_NAME} ${TOOL_VERSION}: include the command you ran and the output of the same command with --verbose`,
    cause: err,
  });
}

/**
 * The one place an error becomes output and an exit code: `error[E_CODE]` and hints on stderr,
 * with --json also `{"ok": false, "error": {...}}` on stdout; 1 for a coded error, 2 for a bug.
 */
export function reportError(e: unknown, ctx: Context, o: ReportOptions = { json: false, verbose: false }): number {
  const err = toWbError(e);
  // Messages quote bundles and indexes: no control sequence from them reaches the terminal.
  ctx.stderr.write(terminalSafeText(err.format()) + "\n");
  if (err.code === "E_INTERNAL" && o.verbose) {
    const stack = err.cause instanceof Error ? err.cause.stack : undefined;
    if (stack) ctx.stderr.write(redactUrlsInText(stack) + "\n");
  }
  if (o.json) ctx.stdout.write(terminalSafeJson({ ok: false, error: err.toJSON() }) + "\n");
  return exitCodeOf(err);
}

export function exitCodeOf(err: WbError): number {
  if (err.code === "E_INTERNAL") return 2;
  if (err.code === "E_INTERRUPTED") return typeof err.details["exitCode"] === "number" ? err.details["exitCode"] : 130;
  return 1;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Process-level routes to the one exit point: an exception nobody caught (an assertion inside a
 * dependency's event handler, say), a rejected promise nobody awaited, and SIGINT/SIGTERM. Each
 * removes this run's temp files (the registry in store/temp-files.ts), reports, and exits.
 */
export function installProcessHandlers(argv: string[], ctx: Context): void {
  const report = reportOptions(argv, ctx.env);
  let exiting = false;
  const exitWith = (e: unknown): void => {
    if (exiting) return;
    exiting = true;
    removeTrackedTemps();
    // progress bars hide the cursor and are not stopped on this path: show it again, on a new line
    if (ctx.stderr.isTTY) ctx.stderr.write("\x1b[?25h\n");
    const code = reportError(e, ctx, report);
    process.exit(code);
  };
  process.on("uncaughtException", exitWith);
  process.on("unhandledRejection", exitWith);
  for (const [signal, exitCode] of Object.entries(SIGNAL_EXIT)) {
    process.on(signal, () =>
      exitWith(new WbError("E_INTERRUPTED", `interrupted by ${signal}; the files this run had started were removed`, {
        hint: "run the command again: downloads already in the cache are not repeated",
        details: { signal, exitCode },
      })),
    );
  }
}
