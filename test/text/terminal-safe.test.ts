import { describe, expect, it } from "vitest";
import { terminalSafe, terminalSafeJson, terminalSafeText } from "../../src/text/terminal-safe.js";

const OSC8 = "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07";

describe("terminalSafe", () => {
  it("escapes ANSI CSI, OSC 8 hyperlinks, BEL, C1 CSI, DEL, bidi overrides and newlines", () => {
    expect(terminalSafe("a\x1b[2Jb")).toBe("a\\x1b[2Jb");
    expect(terminalSafe(OSC8)).toBe("\\x1b]8;;https://evil.example/\\x07click\\x1b]8;;\\x07");
    expect(terminalSafe("x\u009b31my\x7f")).toBe("x\\x9b31my\\x7f");
    expect(terminalSafe("evil\u202egnp.exe")).toBe("evil\\u202egnp.exe");
    expect(terminalSafe("line1\nOK forged\r\t")).toBe("line1\\x0aOK forged\\x0d\\x09");
  });

  it("leaves ordinary text, unicode names and Windows paths alone", () => {
    for (const s of ["numpy-2.1.0-cp312-cp312-win_amd64.whl", "C:\\dist\\shop.zip", "café 密码 🔑", "https://h/simple/?a=1&b=2"]) expect(terminalSafe(s)).toBe(s);
  });

  it("terminalSafeText keeps our own line breaks only", () => {
    expect(terminalSafeText("error: x\x1b[2J\n  hint")).toBe("error: x\\x1b[2J\n  hint");
  });

  it("terminalSafeJson is the same JSON value with no raw control character", () => {
    const v = { name: `n${OSC8}\u009b\u2028\u202e\x7f` };
    const text = terminalSafeJson(v);
    expect(JSON.parse(text)).toEqual(v);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u202e]/);
  });
});
