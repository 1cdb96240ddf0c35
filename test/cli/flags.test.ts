/**
 * The CLI boundary: commander's values become each command's typed flags once (src/cli/flags.ts),
 * and a bad value is E_USAGE before the command runs.
 */
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import type { CommandName } from "../../src/commands/flags.js";
import { isWbError } from "../../src/errors.js";
import { runCli } from "../helpers/run-cli.js";

/** The typed flags a command receives for argv (the command itself is not run). */
async function flagsFor(argv: string[]): Promise<{ name: CommandName; args: unknown[]; flags: unknown }> {
  let got: { name: CommandName; args: unknown[]; flags: unknown } | undefined;
  const program = buildProgram(async (name, args, flags) => {
    got = { name, args, flags };
  });
  program.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  await program.parseAsync(argv, { from: "user" });
  if (!got) throw new Error("no command ran");
  return got;
}

async function usageErrorOf(argv: string[]): Promise<string> {
  const e = await flagsFor(argv).then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isWbError(e)) throw new Error(`expected a WbError, got ${String(e)}`);
  expect(e.code).toBe("E_USAGE");
  return e.message;
}

describe("typed flags", () => {
  it("bundle with no flags gets empty lists, false switches, progress on and nothing else", async () => {
    const { name, args, flags } = await flagsFor(["bundle"]);
    expect(name).toBe("bundle");
    expect(args).toEqual([undefined]);
    expect(flags).toEqual({
      requirement: [], constraint: [], target: [], targetFile: [], extraIndexUrl: [], findLinks: [], noIndex: false,
      offline: false, verifyCache: false, pre: false, pinsOnly: false, json: false, quiet: false, verbose: false, progress: true,
      exclude: [], include: [], state: [], withPip: false, signAgent: false, embedPython: false, pythonDist: [],
    });
  });

  it("values are typed: numbers, a Date, repeatable lists in order, --no-index and --no-progress as booleans", async () => {
    const { args, flags } = await flagsFor([
      "bundle", "spec.toml", "-r", "a.txt", "--requirement", "b.txt", "--jobs", "4", "--max-resolution-steps", "9",
      "--exclude-newer", "2025-01-31", "--no-index", "--no-progress", "--format", "zip", "--index-strategy", "unsafe-best-match",
      "--python-dist", "linux-x86_64@3.12=/srv/a.tar.gz", "--python-dist", "/srv/b.tar.gz", "-o", "out",
    ]);
    expect(args).toEqual(["spec.toml"]);
    expect(flags).toMatchObject({
      requirement: ["a.txt", "b.txt"], jobs: 4, maxResolutionSteps: 9, excludeNewer: new Date("2025-01-31"), noIndex: true, progress: false,
      format: "zip", indexStrategy: "unsafe-best-match", out: "out",
      pythonDist: [{ target: "linux-x86_64@3.12", ref: "/srv/a.tar.gz" }, { ref: "/srv/b.tar.gz" }],
    });
  });

  it("lock has its own -o and --keep-going, and none of bundle's flags", async () => {
    const { flags } = await flagsFor(["lock", "--keep-going", "-o", "pylock.x.toml"]);
    expect(flags).toMatchObject({ keepGoing: true, out: "pylock.x.toml" });
    expect(Object.keys(flags as object)).not.toContain("app");
    await expect(flagsFor(["lock", "--app", "."])).rejects.toMatchObject({ code: "commander.unknownOption" });
  });

  it("an empty value counts as not given, as before the flags were typed", async () => {
    const { flags } = await flagsFor(["bundle", "--index-url", "", "--exclude-newer", "", "--name", ""]);
    expect(flags).toMatchObject({ indexUrl: undefined, excludeNewer: undefined, name: undefined });
  });

  it("verify, inspect, diff and targets receive their --json and signature flags typed", async () => {
    expect((await flagsFor(["verify", "b.tar.gz", "--allowed-signers", "as", "--identity", "me"])).flags).toEqual({ allowedSigners: "as", identity: "me", json: false });
    expect((await flagsFor(["inspect", "b.tar.gz", "--json"])).flags).toEqual({ json: true });
    expect((await flagsFor(["diff", "a", "b"])).flags).toEqual({ json: false });
    expect(await flagsFor(["targets", "x@3.12", "y@3.11", "--json"])).toEqual({ name: "targets", args: [["x@3.12", "y@3.11"]], flags: { json: true, targetFile: [], embedPython: false } });
  });

  it("every flag of every command, given on the command line, sets its own field and no other", async () => {
    const sample = (long: string, choices: string[] | undefined) =>
      choices?.[0] ?? ({ "--jobs": "2", "--max-resolution-steps": "2", "--exclude-newer": "2025-01-31", "--state": "media/", "--target": "linux-x86_64@3.12" } as Record<string, string>)[long] ?? "v";
    // a flag that is only valid with another
    const needs: Record<string, string[]> = { "--identity": ["--allowed-signers", "as"] };
    const program = buildProgram(async () => undefined);
    for (const cmd of program.commands) {
      for (const o of cmd.options) {
        const positional = [...cmd.registeredArguments.filter((a) => a.required).map(() => "b.tar.gz"), ...(needs[o.long!] ?? [])];
        const base = (await flagsFor([cmd.name(), ...positional])).flags as Record<string, unknown>;
        const argv = [cmd.name(), ...positional, o.long!, ...(o.required ? [sample(o.long!, o.argChoices)] : [])];
        const given = (await flagsFor(argv)).flags as Record<string, unknown>;
        const changed = Object.keys(base).filter((k) => JSON.stringify(given[k]) !== JSON.stringify(base[k]));
        expect(changed, `${cmd.name()} ${o.long}`).toHaveLength(1);
      }
    }
  });
});

describe("bad flag values are E_USAGE at the CLI boundary", () => {
  const cases: [string, string[], string][] = [
    ["--jobs 0", ["bundle", "--jobs", "0"], "--jobs must be a positive integer, got '0'"],
    ["--jobs not a number", ["lock", "--jobs", "many"], "--jobs must be a positive integer, got 'many'"],
    ["--max-resolution-steps 1.5", ["lock", "--max-resolution-steps", "1.5"], "--max-resolution-steps must be a positive integer, got '1.5'"],
    ["--exclude-newer not a date", ["bundle", "--exclude-newer", "yesterday"], "--exclude-newer takes a date or timestamp (2025-01-31 or 2025-01-31T12:00:00Z), got 'yesterday'"],
    ["--state outside the app", ["bundle", "--state", "../etc"], "--state takes a path inside the app such as 'media/' or 'db.sqlite3', got '../etc'"],
    ["--sign-key empty", ["bundle", "--sign-key", ""], "--sign-key needs the path of an OpenSSH ed25519 private key"],
    ["--identity without --allowed-signers", ["verify", "b.tar.gz", "--identity", "me"], "--identity needs --allowed-signers FILE (the keys the identity may sign with)"],
    ["--identity empty", ["verify", "b.tar.gz", "--allowed-signers", "as", "--identity", ""], "--identity needs a principal, e.g. --identity release@example.org"],
  ];
  for (const [what, argv, message] of cases) {
    it(what, async () => expect(await usageErrorOf(argv)).toBe(message));
  }

  it("is reported as error[E_USAGE] (and the --json document) before any work", async () => {
    const r = await runCli(["bundle", "--jobs", "0", "--target", "linux-x86_64@3.12", "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_USAGE\]: --jobs must be a positive integer, got '0'$/m);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: "E_USAGE" } });
  });

  it("a value outside --format's choices is commander's usage error", async () => {
    const r = await runCli(["bundle", "--format", "rar"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_USAGE\]: option '--format <format>' argument 'rar' is invalid/m);
  });
});
