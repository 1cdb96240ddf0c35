import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CredentialStore, parseNetrc } from "../../src/net/credentials.js";
import { Redactor } from "../../src/net/redact.js";
import { tempDir } from "./net-helpers.js";

const NETRC = `# comment
machine idx.example.com
  login alice
  password "pa ss"
macdef init
  cd /pub
  get file

machine other.example.com login bob password bobpw
default login anon password anonpw
`;

function store(env: Record<string, string | undefined>, netrc?: string) {
  const dir = tempDir("wb-netrc-");
  const path = join(dir, ".netrc");
  if (netrc !== undefined) writeFileSync(path, netrc);
  const redactor = new Redactor();
  return { s: new CredentialStore({ env: { HOME: dir, ...env }, redactor }), redactor };
}

describe("parseNetrc", () => {
  it("reads machines, quoted values, skips macdef blocks and keeps default", () => {
    expect(parseNetrc(NETRC)).toEqual([
      { machine: "idx.example.com", username: "alice", password: "pa ss" },
      { machine: "other.example.com", username: "bob", password: "bobpw" },
      { machine: null, username: "anon", password: "anonpw" },
    ]);
  });
});

describe("CredentialStore", () => {
  it("uses ~/.netrc from the env's HOME, per host name, with default for others", () => {
    const { s } = store({}, NETRC);
    expect(s.forUrl("https://idx.example.com/simple/x/")).toEqual({ username: "alice", password: "pa ss" });
    expect(s.forUrl("https://other.example.com:8443/f.whl")).toEqual({ username: "bob", password: "bobpw" });
    expect(s.forUrl("https://files.example.net/f.whl")).toEqual({ username: "anon", password: "anonpw" });
  });

  it("URL credentials beat the environment, which beats netrc; each bound to its own origin", () => {
    const { s } = store({ WHEELBARROW_INDEX_USERNAME: "envuser", WHEELBARROW_INDEX_PASSWORD: "envpass" }, "machine idx.example.com login n password np\n");
    s.addFromUrl("https://u:urlpw@mirror.example.org/simple/");
    s.bindEnvToPrimary("https://idx.example.com/simple/");
    expect(s.forUrl("https://mirror.example.org/simple/a/")).toEqual({ username: "u", password: "urlpw" });
    expect(s.forUrl("https://idx.example.com/simple/a/")).toEqual({ username: "envuser", password: "envpass" });
    // Not the primary index's origin: the environment's credentials are not sent there.
    expect(s.forUrl("https://elsewhere.example/")).toBeNull();
    // Same host, plain http: a different origin, so the https credentials do not follow.
    expect(s.forUrl("http://mirror.example.org/simple/a/")).toBeNull();
  });

  it("binds the environment's credentials once: a later primary index does not get them", () => {
    const { s } = store({ WHEELBARROW_INDEX_USERNAME: "envuser", WHEELBARROW_INDEX_PASSWORD: "envpass" });
    s.bindEnvToPrimary(undefined); // decides nothing
    s.bindEnvToPrimary("https://named.example/simple/");
    s.bindEnvToPrimary("https://chosen-by-a-file.example/simple/");
    expect(s.forUrl("https://named.example/simple/a/")).toEqual({ username: "envuser", password: "envpass" });
    expect(s.forUrl("https://chosen-by-a-file.example/simple/a/")).toBeNull();
  });

  it("null binds the environment's credentials to no index", () => {
    const { s } = store({ WHEELBARROW_INDEX_USERNAME: "envuser", WHEELBARROW_INDEX_PASSWORD: "envpass" });
    s.bindEnvToPrimary(null);
    s.bindEnvToPrimary("https://chosen-by-a-file.example/simple/");
    expect(s.forUrl("https://chosen-by-a-file.example/simple/a/")).toBeNull();
  });

  it("registers every secret with the redactor", () => {
    const { s, redactor } = store({ WHEELBARROW_INDEX_USERNAME: "envuser", WHEELBARROW_INDEX_PASSWORD: "envpass-123" }, NETRC);
    s.addFromUrl("https://u:urlpw-456@mirror.example.org/simple/");
    const text = redactor.text("envpass-123 urlpw-456 bobpw anonpw");
    expect(text).toBe("*** *** *** ***");
  });

  it("gives the Basic authorization header", () => {
    const { s } = store({});
    s.addFromUrl("https://u:p@h.example/");
    expect(s.authorization("https://h.example/simple/")).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
    expect(s.authorization("https://other.example/")).toBeNull();
  });
});
