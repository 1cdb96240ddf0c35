/**
 * Subcommand name -> implementation. Each command is an async function of its positional
 * arguments, its typed flags (src/commands/flags.ts, parsed by flags.ts here) and the context,
 * returning the exit code. Each command's module is imported when that command runs, so a run
 * loads only what its command needs (`inspect` does not load the SBOM library or the archive
 * writers, `--version` loads no command at all): module code is a large part of a run's memory.
 */
import type { Context } from "../context.js";
import type { CommandArgs, CommandFlags, CommandName } from "../commands/flags.js";
export type { CommandName } from "../commands/flags.js";
export type CommandFn<N extends CommandName> = (args: CommandArgs[N], flags: CommandFlags[N], ctx: Context) => Promise<number>;

/** Each command's loader: imports its module and returns the command. */
export const commandTable: { readonly [N in CommandName]: () => Promise<CommandFn<N>> } = {
  bundle: async () => (await import("../commands/bundle.js")).bundleCommand,
  lock: async () => (await import("../commands/lock.js")).lockCommand,
  verify: async () => (await import("../commands/verify.js")).verifyCommand,
  inspect: async () => (await import("../commands/inspect.js")).inspectCommand,
  diff: async () => (await import("../commands/diff.js")).diffCommand,
  targets: async () => (await import("../commands/targets.js")).targetsCommand,
  probe: async () => (await import("../commands/probe.js")).probeCommand,
};
