import { describe, expect, it } from "vitest";
import { credentialsInUrl, redactUrl, redactUrlsInText, Redactor, stripCredentials } from "../../src/net/redact.js";

describe("redactUrl", () => {
  it.each([
    ["https://alice:s3cret@example.com/simple/", "https://alice:***@example.com/simple/"],
    ["https://tok3n-value@example.com/simple/", "https://***@example.com/simple/"],
    ["https://example.com/simple/", "https://example.com/simple/"],
    ["https://s3.example.com/f.whl?X-Amz-Signature=abc123&X-Amz-Credential=AKIA&x=1", "https://s3.example.com/f.whl?X-Amz-Signature=***&X-Amz-Credential=***&x=1"],
    ["https://h/f.whl?token=abcd", "https://h/f.whl?token=***"],
    ["file:///opt/pypi/simple", "file:///opt/pypi/simple"],
    ["not a url", "not a url"],
  ])("%s -> %s", (input, out) => {
    expect(redactUrl(input)).toBe(out);
  });

  it("strips and reads credentials", () => {
    expect(stripCredentials("https://a:b%40c@h.example/x")).toBe("https://h.example/x");
    expect(credentialsInUrl("https://a:b%40c@h.example/x")).toEqual({ username: "a", password: "b@c" });
    expect(credentialsInUrl("https://h.example/x")).toBeNull();
  });

  it("redacts URLs with userinfo inside free text", () => {
    expect(redactUrlsInText("GET https://bob:hunter22@idx.example/simple/ failed; see http://tok@x/")).toBe("GET https://bob:***@idx.example/simple/ failed; see http://***@x/");
  });
});

describe("Redactor", () => {
  it("removes registered secrets, their URL encoding and Basic-auth encoding from any text", () => {
    const r = new Redactor();
    r.addPair("alice", "p@ss word!");
    const basic = Buffer.from("alice:p@ss word!").toString("base64");
    const text = `pw=p@ss word! enc=${encodeURIComponent("p@ss word!")} auth=Basic ${basic}`;
    const out = r.text(text);
    expect(out).toBe("pw=*** enc=*** auth=Basic ***");
  });

  it("ignores very short secrets in free text (they are still stripped from URLs)", () => {
    const r = new Redactor();
    r.add("ab");
    expect(r.text("table cab")).toBe("table cab");
    expect(r.url("https://u:ab@h/")).toBe("https://u:***@h/");
  });
});
