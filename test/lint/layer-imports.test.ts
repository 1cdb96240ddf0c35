// The architecture lint rule (eslint.config.js, docs/architecture.md "What each layer may
// import"), run through ESLint itself on small sources placed in each layer.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports" || m.ruleId === "no-restricted-globals").map((m) => m.message);
}

describe("the layer import rule", () => {
  const IO = "pure code imports no I/O layer";
  const UPWARD = "imports point down the layer table";
  const CODED = "this layer throws its own errors"; // pypa and model throw their own classes
  it.each([
    ["src/plan/x.ts", 'import type { Net } from "../net/dispatcher.js";', IO],
    ["src/plan/x.ts", 'import { Sources } from "../index/sources.js";', IO],
    ["src/plan/x.ts", 'import type { Reporter } from "../download/reporter.js";', IO],
    ["src/pypa/x.ts", 'import { Cache } from "../store/cache.js";', IO],
    ["src/targets/x.ts", 'import { main } from "../cli/main.js";', IO],
    ["src/model/x.ts", 'import { runPlan } from "../commands/run-plan.js";', IO],
    ["src/plan/sub/x.ts", 'import { readSpecFile } from "../../spec/spec-file.js";', IO],
    ["src/pypa/x.ts", 'import type { Target } from "../targets/target.js";', UPWARD],
    ["src/pypa/x.ts", 'import type { Plan } from "../plan/types.js";', UPWARD],
    ["src/targets/x.ts", 'import type { Plan } from "../plan/types.js";', UPWARD],
    ["src/model/x.ts", 'import type { Requirement } from "../pypa/requirement.js";', UPWARD],
    ["src/pypa/x.ts", 'import { WbError } from "../errors.js";', CODED],
    ["src/pypa/sub/x.ts", 'import { WbErrorList } from "../../errors.js";', CODED],
    ["src/model/x.ts", 'import type { ErrorCode } from "../errors.js";', CODED],
  ])("in %s, %s is refused: %s", async (file, code, message) => {
    const msgs = await restricted(file, `${code}\nexport const y = 1;\n`);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toContain(message);
  });

  it("lets pypa import its own errors module and the hash set", async () => {
    expect(await restricted("src/pypa/x.ts", 'import { InvalidHash } from "./errors.js";\nimport { HashSet } from "../model/hash-set.js";\nexport const y = [InvalidHash, HashSet];\n')).toEqual([]);
  });

  it("refuses node:fs and the process global in the model module", async () => {
    const msgs = await restricted("src/model/x.ts", 'import { readFileSync } from "node:fs";\nexport const y = readFileSync(process.argv[1] ?? "");\n');
    expect(msgs).toHaveLength(2);
  });

  it.each([
    ["src/plan/x.ts", 'import type { IndexFile } from "../model/index-file.js";'],
    ["src/plan/x.ts", 'import type { Reporter } from "../model/reporter.js";'],
    ["src/plan/x.ts", 'import type { Target } from "../targets/target.js";'],
    ["src/plan/x.ts", 'import { WbError } from "../errors.js";'],
    ["src/targets/x.ts", 'import { canonicalizeName } from "../pypa/names.js";'],
    ["src/pypa/x.ts", 'import { terminalSafe } from "../text/terminal-safe.js";'],
    ["src/index/x.ts", 'import { Cache } from "../store/cache.js";'],
  ])("allows a downward import in %s: %s", async (file, code) => {
    expect(await restricted(file, `${code}\nexport const y = 1;\n`)).toEqual([]);
  });
});
