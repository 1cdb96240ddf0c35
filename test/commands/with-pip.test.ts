/**
 * `--with-pip`: pip joins the requirements (once, even when the user already asked for it); with
 * `--lock`, a lock without pip is E_USAGE rather than a bundle without the pip it was asked for.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadInputs } from "../../src/commands/load-inputs.js";
import type { Settings } from "../../src/commands/settings.js";
import { errorOf } from "../helpers/error-of.js";

const dir = mkdtempSync(join(tmpdir(), "wb-with-pip-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function opts(over: Partial<Settings>): Settings {
  return { cwd: dir, requirements: [], constraints: [], withPip: false, ...over } as unknown as Settings;
}

describe("--with-pip", () => {
  it("adds pip to the requirements once", () => {
    const req = join(dir, "r.txt");
    writeFileSync(req, "django==5.2\n");
    expect(loadInputs(opts({ requirements: [req] }), {}).inputs.map((i) => i.requirement.name)).toEqual(["django"]);
    const withPip = loadInputs(opts({ requirements: [req], withPip: true }), {}).inputs;
    expect(withPip.map((i) => [i.requirement.name, i.origin])).toEqual([["django", "r.txt:1"], ["pip", "--with-pip"]]);
    const both = join(dir, "both.txt");
    writeFileSync(both, "pip==24.0\n");
    expect(loadInputs(opts({ requirements: [both], withPip: true }), {}).inputs.map((i) => i.requirement.name)).toEqual(["pip"]);
  });

  it("a lock without pip is E_USAGE", () => {
    const lock = join(dir, "pylock.toml");
    writeFileSync(lock, 'lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "django"\nversion = "5.2"\n\n[[packages.wheels]]\nname = "django-5.2-py3-none-any.whl"\nurl = "https://example.invalid/django-5.2-py3-none-any.whl"\nhashes = { sha256 = "' + "0".repeat(64) + '" }\n');
    const e = errorOf(() => loadInputs(opts({ lock, withPip: true }), {}));
    expect(e.code).toBe("E_USAGE");
    expect(e.message).toBe(`--with-pip: the lock ${lock} has no pip`);
  });
});
