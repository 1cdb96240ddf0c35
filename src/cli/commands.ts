/**
 * Subcommand name -> implementation. Each command is an async function of its positional
 * arguments, its parsed flags and the context, returning the exit code.
 */
import type { Context } from "../context.js";
import { bundleCommand } from "../commands/bundle.js";
import { diffCommand } from "../commands/diff.js";
import { inspectCommand } from "../commands/inspect.js";
import { lockCommand } from "../commands/lock.js";
import { probeCommand } from "../commands/probe.js";
import { targetsCommand } from "../commands/targets.js";
import { verifyCommand } from "../commands/verify.js";

export type CommandName = "bundle" | "lock" | "verify" | "inspect" | "diff" | "targets" | "probe";
export type CommandFn = (args: unknown[], opts: Record<string, unknown>, ctx: Context) => Promise<number>;

export const commandTable: Record<CommandName, CommandFn> = {
  bundle: bundleCommand,
  lock: lockCommand,
  verify: verifyCommand,
  inspect: inspectCommand,
  diff: diffCommand,
  targets: targetsCommand,
  probe: probeCommand,
};
