import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { SafeUrl } from "../../src/text/safe-url.js";

const RAW = "https://alice:s3cr3t-pw@idx.example/simple/a/a-1.0-py3-none-any.whl?token=tok-123&mirror=2";

describe("SafeUrl", () => {
  const u = SafeUrl.of(RAW);

  it("shows userinfo as ***@ and a secret query value as *** in every implicit string form", () => {
    const shown = "https://***@idx.example/simple/a/a-1.0-py3-none-any.whl?token=***&mirror=2";
    expect(u.display).toBe(shown);
    expect(String(u)).toBe(shown);
    expect(`${u}`).toBe(shown);
    expect(JSON.stringify({ u })).toBe(JSON.stringify({ u: shown }));
    expect(inspect(u)).toBe(`SafeUrl(${shown})`);
    expect(inspect({ nested: [u] }, { depth: 5 })).not.toContain("s3cr3t");
  });

  it("writes files without any userinfo and with secret query values masked", () => {
    expect(u.public).toBe("https://idx.example/simple/a/a-1.0-py3-none-any.whl?token=***&mirror=2");
  });

  it("gives the URL as given only through reveal() and key", () => {
    expect(u.reveal()).toBe(RAW);
    expect(u.key).toBe(RAW);
    expect(Object.keys(u)).toEqual(["display"]);
    expect(Object.values(u).join(" ")).not.toContain("tok-123");
  });

  it("drops the userinfo but keeps the query in withoutCredentials()", () => {
    expect(u.withoutCredentials()).toBe("https://idx.example/simple/a/a-1.0-py3-none-any.whl?token=tok-123&mirror=2");
  });

  it("appends a suffix to both the request URL and the shown form", () => {
    const side = SafeUrl.of("https://u:pw-1234@h.example/f.whl").append(".metadata");
    expect(side.reveal()).toBe("https://u:pw-1234@h.example/f.whl.metadata");
    expect(side.display).toBe("https://***@h.example/f.whl.metadata");
  });

  it("resolves a relative link against the URL (an absolute link keeps none of the base's userinfo)", () => {
    const base = SafeUrl.of("https://u:pw-1234@h.example/simple/a/");
    expect(base.resolve("../../files/a.whl").reveal()).toBe("https://u:pw-1234@h.example/files/a.whl");
    expect(base.resolve("https://cdn.example/a.whl").reveal()).toBe("https://cdn.example/a.whl");
  });

  it("shows and writes a lock's relative path instead of its file: request URL", () => {
    const local = SafeUrl.of("file:///srv/app/wheels/a-1.0-py3-none-any.whl", "wheels/a-1.0-py3-none-any.whl");
    expect(local.display).toBe("wheels/a-1.0-py3-none-any.whl");
    expect(local.public).toBe("wheels/a-1.0-py3-none-any.whl");
    expect(local.reveal()).toBe("file:///srv/app/wheels/a-1.0-py3-none-any.whl");
    expect(local.isFile).toBe(true);
    expect(u.isFile).toBe(false);
  });

  it("masks a URL that does not parse from after :// to its last @", () => {
    const bad = SafeUrl.of("https://user:pa/ss@host.example/simple/");
    expect(bad.display).toBe("https://***@host.example/simple/");
    expect(bad.public).toBe("https://host.example/simple/");
  });
});
