/**
 * Runs the stdlib unittest suite of install.py's pieces (test_install_py.py: RECORD, path safety,
 * shebangs, launchers, tags against packaging, the target check, wheel validation) under every
 * python this machine has, so that `npm test` covers Python 3.8 … 3.13.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PYENV_VERSIONS, distroPython, pyenvPython, run } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const cases = [...PYENV_VERSIONS.map((v) => ({ label: `pyenv ${v}`, python: pyenvPython(v) })), { label: "distro python3", python: distroPython() }];

describe.each(cases)("test_install_py.py under $label", ({ python }) => {
  it.skipIf(!python)("install.py's own Python unit tests run and pass (at least 30 of them)", () => {
    const r = run(python!.exe, ["-B", "-m", "unittest", "-v", "test_install_py"], { cwd: here });
    expect(r.stderr).toMatch(/\nOK( \(skipped=\d+\))?\n$/);
    expect(r.stderr).toMatch(/\nRan (3\d|[4-9]\d) tests in /);
    expect(r.code).toBe(0);
  });
});
