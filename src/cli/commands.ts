/**
 * Subcommand name -> implementation. Each command is an async function of its positional
 * arguments, its typed flags (src/commands/flags.ts, parsed by flags.ts here) and the context,
 * returning the exit code.
 */
import type { Context } from "../context.js";
import type { CommandArgs, CommandFlags, CommandName } from "../commands/flags.js";
import { bundleCommand } from "../commands/bundle.js";
import { diffCommand } from "../commands/diff.js";
import { inspectCommand } from "../commands/inspect.js";
import { lockCommand } from "../commands/lock.js";
import { probeCommand } from "../commands/probe.js";
import { targetsCommand } from "../commands/targets.js";
import { verifyCommand } from "../commands/verify.js";

export type { CommandName } from "../commands/flags.js";
export type CommandFn<N extends CommandName> = (args: CommandArgs[N], flags: CommandFlags[N], ctx: Context) => Promise<number>;

export const commandTable: { readonly [N in CommandName]: CommandFn<N> } = {
  bundle: bundleCommand,
  lock: lockCommand,
  verify: verifyCommand,
  inspect: inspectCommand,
  diff: diffCommand,
  targets: targetsCommand,
  probe: probeCommand,
};
