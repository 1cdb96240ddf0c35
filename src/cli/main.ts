/**
 * argv -> typed options -> command. The only place that exits the process.
 * Exit codes (spec.md): 0 success, 1 user/environment/network fault (WbError), 2 internal error.
 */
import { Command, CommanderError, Option } from "commander";
import { processContext, type Context } from "../context.js";
import { WbError, isWbError } from "../errors.js";
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
    .option("--name <name>", "bundle name")
    .option("--version <version>", "bundle version")
    .option("--entry <module:function|script.py>", "what bin/<name> runs after install")
    .option("-o, --out <dir>", "output directory (default dist/)")
    .addOption(new Option("--format <format>", "archive format (default tar.gz; zip for Windows targets)").choices(["tar.gz", "zip", "dir"]));
  bundle.action(async (spec: string | undefined, opts: Record<string, unknown>) => run("bundle", [spec], opts));

  const lock = addResolveOptions(program.command("lock").description("resolve and select only; write pylock.toml; no wheel bodies"));
  lock.option("-o, --out <file>", "where to write the lock (default pylock.toml)");
  lock.option("--keep-going", "with several targets: write the targets that plan, report the others, exit 1");
  lock.action(async (spec: string | undefined, opts: Record<string, unknown>) => run("lock", [spec], opts));

  program
    .command("verify")
    .description("check an archive (or unpacked dir) end to end")
    .argument("<bundle>")
    .option("--json", "machine-readable result")
    .action(async (b: string, opts: Record<string, unknown>) => run("verify", [b], opts));
  program
    .command("inspect")
    .description("what is inside a bundle: target, packages, sizes, provenance")
    .argument("<bundle>")
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
    .option("--json", "machine-readable result")
    .action(async (targets: string[], opts: Record<string, unknown>) => run("targets", [targets], opts));
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: string[], ctx: Context = processContext()): Promise<number> {
  ctx.makeReporter ??= (o) => createReporter({ stderr: ctx.stderr, ...o });
  let exitCode = 0;
  const program = buildProgram(async (name, args, opts) => {
    exitCode = await commandTable[name](args, opts, ctx);
  });
  program.configureOutput({
    writeOut: (s) => ctx.stdout.write(s),
    writeErr: (s) => ctx.stderr.write(s),
    outputError: () => {
      /* printed below as error[E_USAGE] */
    },
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      const msg = e.message.replace(/^error: /, "");
      ctx.stderr.write(new WbError("E_USAGE", msg, { hint: `run '${TOOL_NAME} --help' for usage` }).format() + "\n");
      return 1;
    }
    return reportError(e, ctx, Boolean((program.opts() as { json?: boolean }).json));
  }
}

export function reportError(e: unknown, ctx: Context, _json = false): number {
  if (isWbError(e)) {
    ctx.stderr.write(e.format() + "\n");
    return 1;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  ctx.stderr.write(`error[internal]: ${err.message}\nhint: this is a bug in ${TOOL_NAME} ${TOOL_VERSION}; please report it with the command you ran\n`);
  if (process.env.WHEELBARROW_DEBUG) ctx.stderr.write((err.stack ?? "") + "\n");
  return 2;
}
