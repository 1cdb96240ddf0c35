import { describe, expect, it } from "vitest";
import {
  MarkerEvaluationError,
  MarkerSyntaxError,
  UnknownMarkerValueError,
  evaluateMarker,
  markerToString,
  parseMarker,
  type MarkerEnvironment,
} from "../../src/pypa/markers.js";

const linux: MarkerEnvironment = {
  os_name: "posix",
  sys_platform: "linux",
  platform_machine: "x86_64",
  platform_system: "Linux",
  platform_release: undefined,
  platform_version: undefined,
  python_version: "3.10",
  python_full_version: "3.10.14",
  implementation_name: "cpython",
  implementation_version: "3.10.14",
  platform_python_implementation: "CPython",
  extra: "",
};
const ev = (text: string, env: MarkerEnvironment = linux) => evaluateMarker(parseMarker(text), env);

describe("parseMarker", () => {
  it("binds `and` tighter than `or`", () => {
    expect(parseMarker('os_name == "nt" or os_name == "posix" and python_version < "3"')).toMatchObject({
      kind: "or",
      items: [{ kind: "compare" }, { kind: "and", items: [{ kind: "compare" }, { kind: "compare" }] }],
    });
    expect(ev('os_name == "nt" and sys_platform == "linux" or python_version >= "3"')).toBe(true);
    expect(ev('os_name == "nt" and (sys_platform == "linux" or python_version >= "3")')).toBe(false);
  });

  it("maps legacy dotted names and python_implementation", () => {
    expect(markerToString(parseMarker("os.name == 'posix' and sys.platform == 'linux' and platform.machine == 'x'"))).toBe('os_name == "posix" and sys_platform == "linux" and platform_machine == "x"');
    expect(markerToString(parseMarker("python_implementation=='CPython'"))).toBe('platform_python_implementation == "CPython"');
    expect(ev("platform.python_implementation == 'CPython'")).toBe(true);
  });

  it("accepts the variable on either side", () => {
    expect(ev('"3.9" < python_version')).toBe(true);
    expect(ev('"linux" == sys_platform')).toBe(true);
  });

  it("prints like packaging, keeping meaningful parentheses", () => {
    expect(markerToString(parseMarker("(os_name=='a' or os_name=='b')and python_version<'3'"))).toBe(
      '(os_name == "a" or os_name == "b") and python_version < "3"',
    );
    expect(markerToString(parseMarker("((os_name == 'a'))"))).toBe('os_name == "a"');
    expect(markerToString(parseMarker("os_name == 'a' and ((os_name == 'b' or os_name == 'c'))"))).toBe(
      'os_name == "a" and (os_name == "b" or os_name == "c")',
    );
    expect(markerToString(parseMarker("os_name == 'say \"hi\"'"))).toBe(`os_name == 'say "hi"'`);
    expect(markerToString(parseMarker(markerToString(parseMarker("os_name == 'say \"hi\"'"))))).toBe(`os_name == 'say "hi"'`);
  });

  it("takes quoted strings verbatim (no escapes)", () => {
    expect(markerToString(parseMarker('os_name == "C:\\"'))).toBe('os_name == "C:\\"');
  });

  it("normalises extra names in the marker (PEP 685)", () => {
    expect(markerToString(parseMarker("extra == 'Foo_Bar' or (extra == 'Baz.Qux')"))).toBe('extra == "foo-bar" or extra == "baz-qux"');
  });

  it("throws MarkerSyntaxError with the reason and column", () => {
    expect(() => parseMarker("os_name = 'posix'")).toThrow(
      "invalid marker 'os_name = 'posix'': Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in (at column 9)",
    );
    const e = (() => {
      try {
        parseMarker("(os_name == 'a'");
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(MarkerSyntaxError);
    expect(e).toMatchObject({ reason: "Expected matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after marker expression", column: 15 });
    expect(() => parseMarker("platform_release_x == '1'")).toThrow(MarkerSyntaxError);
  });
});

describe("evaluateMarker comparisons", () => {
  it("compares version fields as PEP 440 versions", () => {
    expect(ev('python_version > "3.8"')).toBe(true); // 3.10 > 3.8, not as strings
    expect(ev('python_full_version >= "3.10.0rc1"')).toBe(true);
    expect(ev('python_version == "3.10.*"')).toBe(true);
    expect(ev('python_full_version > "3.6.2"', { ...linux, python_full_version: "3.11.0a5" })).toBe(true);
    expect(ev('python_full_version < "3.12"', { ...linux, python_full_version: "3.11.1+" })).toBe(true);
  });

  it("tests in / not in as substrings, also on version fields", () => {
    expect(ev('"3.1" in python_version')).toBe(true);
    expect(ev('"x86" in platform_machine')).toBe(true);
    expect(ev('"arm" not in platform_machine')).toBe(true);
  });

  it("falls back to string rules when a side is not a version", () => {
    expect(ev('python_version == "dog"')).toBe(false);
    expect(ev('os_name >= "posix"')).toBe(true);
    expect(ev('os_name < "z"')).toBe(false);
    expect(ev('os_name > "a"')).toBe(false);
    expect(() => ev('os_name ~= "posix"')).toThrow(
      new MarkerEvaluationError("undefined-comparison", "undefined comparison '~=' between 'posix' and 'posix' (not versions)"),
    );
    expect(() => ev('python_version ~= "3"')).toThrow(MarkerEvaluationError);
  });

  it("normalises both sides of extra comparisons", () => {
    expect(ev('extra == "security"', { ...linux, extra: "SECURITY" })).toBe(true);
    expect(ev("extra == 'pep-685-norm'", { ...linux, extra: "PEP_685...norm" })).toBe(true);
    expect(ev('extra == "security"')).toBe(false);
  });

  it("handles pylock's set-valued extras and dependency_groups", () => {
    const env = { ...linux, extras: ["foo", "Dev_Tools"], dependency_groups: ["test"] };
    expect(evaluateMarker(parseMarker('"dev-tools" in extras and "test" in dependency_groups'), env)).toBe(true);
    expect(evaluateMarker(parseMarker('"baz" not in extras'), env)).toBe(true);
    expect(() => evaluateMarker(parseMarker("extras == 'foo'"), env)).toThrow(
      "marker 'extras == \"foo\"': 'extras' is a set and must be on the right of 'in'",
    );
  });

  it("rejects comparisons without exactly one variable", () => {
    expect(() => ev('"a" == "a"')).toThrow(
      new MarkerEvaluationError("invalid-comparison", `marker '"a" == "a"' must compare a variable with a quoted string`),
    );
    expect(() => ev("os_name == sys_platform")).toThrow(MarkerEvaluationError);
  });
});

describe("evaluateMarker with values the target cannot know", () => {
  it("reports the unknown variable instead of guessing", () => {
    const e = (() => {
      try {
        ev('platform_release >= "10"');
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(UnknownMarkerValueError);
    expect(e).toMatchObject({ variable: "platform_release", message: "the marker needs 'platform_release', which this target does not define" });
  });

  it("answers when the unknown value cannot change the result", () => {
    expect(ev('sys_platform == "win32" and platform_release >= "10"')).toBe(false);
    expect(ev('sys_platform == "linux" or "Ubuntu" in platform_version')).toBe(true);
    expect(() => ev('sys_platform == "linux" and "Ubuntu" in platform_version')).toThrow(UnknownMarkerValueError);
    expect(() => ev('os_name == "nt"', { ...linux, os_name: undefined })).toThrow("the marker needs 'os_name'");
  });

  it("still reports an invalid comparison next to a decisive one", () => {
    expect(() => ev('os_name == "posix" or os_name ~= "x"')).toThrow(MarkerEvaluationError);
  });
});
