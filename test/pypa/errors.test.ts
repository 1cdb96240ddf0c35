// pypa's own errors and the boundary's one converter (fromPypaError, src/errors.ts): same
// code, message, hints and details as the CLI prints them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codedPypa, fromPypaError, WbError, WbErrorList } from "../../src/errors.js";
import { InvalidHash, InvalidRequirementsInput, InvalidWheelFilename, PypaError, PypaErrorList } from "../../src/pypa/errors.js";
import { parseWheelFilename } from "../../src/pypa/dist-filename.js";
import { parsePylock } from "../../src/pypa/pylock.js";
import { runCli } from "../helpers/run-cli.js";

describe("fromPypaError", () => {
  it("turns each pypa error class into E_REQUIREMENTS with its message, hints and where as details", () => {
    const r = fromPypaError(new InvalidRequirementsInput("r.txt:3: bad: x", { hint: "fix it", where: { file: "r.txt", line: 3 } })) as WbError;
    expect(r).toBeInstanceOf(WbError);
    expect(r.toJSON()).toEqual({ code: "E_REQUIREMENTS", message: "r.txt:3: bad: x", hints: ["fix it"], file: "r.txt", line: 3 });
    const w = fromPypaError(new InvalidWheelFilename("x.zip", "extension must be '.whl'")) as WbError;
    expect(w.format()).toBe(`error[E_REQUIREMENTS]: invalid wheel filename "x.zip": extension must be '.whl'`);
    expect(w.details).toEqual({ filename: "x.zip", reason: "extension must be '.whl'" });
    expect((fromPypaError(new InvalidHash("invalid --hash 'md5:00'", "use sha256")) as WbError).hints).toEqual(["use sha256"]);
  });

  it("keeps a list a list and passes anything else through unchanged", () => {
    const list = fromPypaError(new PypaErrorList([new InvalidRequirementsInput("a"), new InvalidRequirementsInput("b")]));
    expect(list).toBeInstanceOf(WbErrorList);
    expect((list as WbErrorList).errors.map((e) => `${e.code} ${e.message}`)).toEqual(["E_REQUIREMENTS a", "E_REQUIREMENTS b"]);
    const plain = new Error("boom");
    expect(fromPypaError(plain)).toBe(plain);
    const coded = new WbError("E_USAGE", "x");
    expect(fromPypaError(coded)).toBe(coded);
  });

  it("refuses a pypa error class it has no code for (a new class must be added to its table)", () => {
    class Unmapped extends PypaError {}
    expect(() => fromPypaError(new Unmapped("?"))).toThrow("internal: no error code for Error");
  });

  it("codedPypa: pypa code run from an I/O layer fails with the coded error", () => {
    expect(() => parsePylock("lock-version = = 1", "p.toml")).toThrow(InvalidRequirementsInput);
    let got: unknown;
    try {
      codedPypa(() => parseWheelFilename("foo-1.0.tar.gz"));
    } catch (e) {
      got = e;
    }
    expect(got).toBeInstanceOf(WbError);
    expect((got as WbError).code).toBe("E_REQUIREMENTS");
    expect(codedPypa(() => parseWheelFilename("foo-1.0-py3-none-any.whl")).version).toBe("1.0");
  });
});

describe("through the CLI", () => {
  it("a bad --hash in a requirements file is E_REQUIREMENTS with its hint, exit 1 (not a bug, exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wb-pypa-errors-"));
    try {
      writeFileSync(join(dir, "r.txt"), `alpha==1.0 --hash=sha1:${"0".repeat(40)}\n`);
      const r = await runCli(["bundle", "-r", join(dir, "r.txt"), "--offline", "--cache-dir", join(dir, "c"), "--out", join(dir, "o"), "--target", "linux-x86_64@3.11", "--json"]);
      expect(r.code).toBe(1);
      const err = (JSON.parse(r.stdout) as { error: { code: string; message: string; hints: string[]; line: number } }).error;
      expect(err.code).toBe("E_REQUIREMENTS");
      expect(err.message).toBe(`${join(dir, "r.txt")}:1: invalid --hash 'sha1:${"0".repeat(40)}': alpha==1.0 --hash=sha1:${"0".repeat(40)}`);
      expect(err.hints).toEqual(["write --hash=sha256:<64 hex digits> (sha256, sha384 and sha512 are accepted)"]);
      expect(err.line).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
