/**
 * Subcommand name -> implementation. Each command is an async function of its positional
 * arguments, its parsed flags and the context, returning the exit code.
 */
import type { Context } from "../context.js";
import { targetsCommand } from "../commands/targets.js";

export type CommandName = "bundle" | "lock" | "verify" | "inspect" | "diff" | "targets";
export type CommandFn = (args: unknown[], opts: Record<string, unknown>, ctx: Context) => Promise<number>;

function notYet(name: string, issue: number): CommandFn {
  return async (_args, _opts, ctx) => {
    ctx.stderr.write(`error[internal]: '${name}' is not implemented yet (issue #${issue})\n`);
    return 2;
  };
}

export const commandTable: Record<CommandName, CommandFn> = {
  bundle: notYet("bundle", 5),
  lock: notYet("lock", 4),
  verify: notYet("verify", 5),
  inspect: notYet("inspect", 5),
  diff: notYet("diff", 5),
  targets: targetsCommand,
};
