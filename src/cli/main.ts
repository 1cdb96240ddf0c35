/**
 * argv -> typed flags (flags.ts) -> command. The only place that exits the process.
 * Exit codes: 0 success, 1 user/environment/network fault (WbError), 2 internal error (a bug),
 * 130/143 interrupted by SIGINT/SIGTERM.
 */
import { terminalSafeJson, terminalSafeText } from "../text/terminal-safe.js";
import { Command, CommanderError } from "commander";
import { processContext, type Context } from "../context.js";
import { WbError, fromPypaError, isWbError } from "../errors.js";
import { redactUrlsInText } from "../text/redact-url.js";
import { noSpaceError } from "../commands/no-space.js";
import { removeTrackedTemps } from "../store/temp-files.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { commandTable } from "./commands.js";
import { BUNDLE, DIFF, INSPECT, LOCK, PROBE, TARGETS, VERIFY, addFlags, parseFlags } from "./flags.js";
import type { CommandArgs, CommandFlags, CommandName } from "../commands/flags.js";
import { createReporter } from "./progress.js";

/**
 * The commands and their arguments; each command's flags come from its table in flags.ts and
 * reach `run` parsed and typed (a bad value is E_USAGE before the command starts).
 */
export function buildProgram(run: <N extends CommandName>(name: N, args: CommandArgs[N], flags: CommandFlags[N]) => Promise<void>): Command {
  const program = new Command(TOOL_NAME)
    .description("Offline bundler for portable, air-gapped Python deployments")
    .version(TOOL_VERSION, "-V, --version")
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride();

  const bundle = program.command("bundle").description("resolve, download and pack one archive per target").argument("[spec]", "bundle spec file (TOML)");
  addFlags(bundle, BUNDLE).action(async (spec: string | undefined, raw: Record<string, unknown>) => run("bundle", [spec], parseFlags(BUNDLE, raw)));

  const lock = program.command("lock").description("resolve and select only; write pylock.toml; no wheel bodies").argument("[spec]", "bundle spec file (TOML)");
  addFlags(lock, LOCK).action(async (spec: string | undefined, raw: Record<string, unknown>) => run("lock", [spec], parseFlags(LOCK, raw)));

  const verify = program.command("verify").description("check an archive (or unpacked dir) end to end").argument("<bundle>");
  addFlags(verify, VERIFY).action(async (b: string, raw: Record<string, unknown>) => run("verify", [b], parseFlags(VERIFY, raw)));
  const inspect = program.command("inspect").description("what is inside a bundle: target, packages, sizes, provenance").argument("<bundle>");
  addFlags(inspect, INSPECT).action(async (b: string, raw: Record<string, unknown>) => run("inspect", [b], parseFlags(INSPECT, raw)));
  const diff = program.command("diff").description("packages added / removed / changed between two bundles").argument("<old>").argument("<new>");
  addFlags(diff, DIFF).action(async (a: string, b: string, raw: Record<string, unknown>) => run("diff", [a, b], parseFlags(DIFF, raw)));
  const targets = program.command("targets").description("the target aliases and what each expands to").argument("[target...]", "explain these targets instead of the alias table");
  addFlags(targets, TARGETS).action(async (ts: string[], raw: Record<string, unknown>) => run("targets", [ts], parseFlags(TARGETS, raw)));
  const probe = program.command("probe").description("print the target probe: on the target, `sh probe.sh > target.json`, then --target-file target.json");
  addFlags(probe, PROBE).action(async (raw: Record<string, unknown>) => run("probe", [], parseFlags(PROBE, raw)));
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
      const command = await commandTable[name]();
      exitCode = await command(args, opts, ctx);
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
export function toWbError(thrown: unknown): WbError {
  const e = fromPypaError(thrown);
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
