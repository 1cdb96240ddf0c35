import { describe, expect, it } from "vitest";
import { credentialsInUrl, redactUrl, redactUrlsInText, Redactor, stripCredentials } from "../../src/net/redact.js";
import { publicUrl } from "../../src/text/redact-url.js";
import { randomCredential, seeded, secretForms, urlWithCredentials } from "../helpers/random-credentials.js";

describe("redactUrl", () => {
  it.each([
    ["https://alice:s3cret@example.com/simple/", "https://***@example.com/simple/"],
    ["https://tok3n-value@example.com/simple/", "https://***@example.com/simple/"],
    ["https://user:p@ss@host/simple/", "https://***@host/simple/"],
    ["https://user:p@ss:w@rd@host:8443/a@b/", "https://***@host:8443/a@b/"],
    ["https://example.com/simple/", "https://example.com/simple/"],
    ["https://host/@scope/x.whl", "https://host/@scope/x.whl"],
    ["https://s3.example.com/f.whl?X-Amz-Signature=abc123&X-Amz-Credential=AKIA&x=1", "https://s3.example.com/f.whl?X-Amz-Signature=***&X-Amz-Credential=***&x=1"],
    ["https://h/f.whl?token=abcd", "https://h/f.whl?token=***"],
    ["file:///opt/pypi/simple", "file:///opt/pypi/simple"],
    // Not a URL (a raw `/` in the password makes the port invalid): masked to the last `@` anyway.
    ["https://user:pa/ss@host/simple/", "https://***@host/simple/"],
    ["not a url", "not a url"],
  ])("%s -> %s", (input, out) => {
    expect(redactUrl(input)).toBe(out);
  });

  it("strips and reads credentials", () => {
    expect(stripCredentials("https://a:b%40c@h.example/x")).toBe("https://h.example/x");
    expect(stripCredentials("https://a:b@c@h.example/x")).toBe("https://h.example/x");
    expect(credentialsInUrl("https://a:b%40c@h.example/x")).toEqual({ username: "a", password: "b@c" });
    expect(credentialsInUrl("https://a:b@c@h.example/x")).toEqual({ username: "a", password: "b@c" });
    expect(credentialsInUrl("https://h.example/x")).toBeNull();
  });

  it("publicUrl (for files) drops the userinfo entirely and masks secret query values", () => {
    expect(publicUrl("https://user:p@ss@host/x.whl?sig=1#sha256=ab")).toBe("https://host/x.whl?sig=***#sha256=ab");
    expect(publicUrl("https://***@host/simple/")).toBe("https://host/simple/");
  });

  it("redacts URLs with userinfo inside free text, up to the last @ of the authority", () => {
    expect(redactUrlsInText("GET https://bob:hunter22@idx.example/simple/ failed; see http://tok@x/")).toBe("GET https://***@idx.example/simple/ failed; see http://***@x/");
    expect(redactUrlsInText("x @ https://user:p@ss@host/x.whl, then (https://a:b@c@d/e).")).toBe("x @ https://***@host/x.whl, then (https://***@d/e).");
    expect(redactUrlsInText("'https://u:p@w@h/'")).toBe("'https://***@h/'");
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
    expect(r.url("https://u:ab@h/")).toBe("https://***@h/");
  });
});

describe("property: no credential survives redaction (seeded)", () => {
  it("random user names and passwords with @ : / % # ? and unicode, in URLs and in free text", () => {
    const rnd = seeded(0x5eed);
    for (let i = 0; i < 2000; i++) {
      const user = randomCredential(rnd);
      const pass = rnd() < 0.2 ? "" : randomCredential(rnd);
      const url = urlWithCredentials(rnd, "https://idx.example:8443/simple/pkg/x-1.0-py3-none-any.whl", user, pass);
      const forms = [...secretForms(user), ...secretForms(pass)];
      const outs = [redactUrl(url), publicUrl(url), stripCredentials(url), redactUrlsInText(`error: cannot fetch ${url}: HTTP 401`), redactUrlsInText(`"${url}"`), redactUrlsInText(`name @ ${url}; python_version >= "3"`)];
      for (const out of outs) {
        for (const f of forms) expect(out.includes(f), `${JSON.stringify(url)} -> ${JSON.stringify(out)} shows ${JSON.stringify(f)}`).toBe(false);
        expect(out).toContain("idx.example");
      }
    }
  });
});
