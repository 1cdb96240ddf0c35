/**
 * Credentials for indexes: from the URL's userinfo, from WHEELBARROW_INDEX_USERNAME/_PASSWORD, and
 * from ~/.netrc (or $NETRC), each bound to its own host and sent to no other.
 *
 * Decisions:
 * - Precedence for a host: credentials written in a configured URL, then the environment
 *   variables, then the netrc `machine` entry, then the netrc `default` entry.
 * - WHEELBARROW_INDEX_USERNAME/_PASSWORD belong to the primary index (`--index-url`, or the first
 *   index of the spec file): sending them to every configured host would hand an internal
 *   password to a public mirror. They are bound once: the first decision (an origin, or "none"
 *   when the primary index was chosen by a requirements file) is final, so a later caller cannot
 *   move them to another host.
 * - A run's configured URLs are registered once (`register`, called by the Sources that the
 *   session builds); a second registration is a bug and throws, so no layer quietly adds or
 *   rebinds credentials behind the one that owns the configuration.
 * - Credentials from URLs and the environment are keyed by origin (scheme, host, port), so an
 *   https index's password never follows a redirect to plain http; netrc entries by host name
 *   (netrc semantics), with the `default` entry for any host, as curl and pip do.
 * - Every secret is registered with the Redactor so no message can carry it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { credentialsInUrl, type Redactor } from "./redact.js";

export interface Credentials {
  username: string;
  password: string;
}

export interface NetrcEntry extends Credentials {
  /** Host name, or null for the `default` entry. */
  machine: string | null;
}

/** Parse a .netrc file (machine / default / login / password / account / macdef). */
export function parseNetrc(text: string): NetrcEntry[] {
  const tokens: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^\s*#/.test(line)) continue;
    const words = line.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
    for (let w = 0; w < words.length; w++) {
      const word = words[w] ?? "";
      if (word === "macdef") {
        // A macro runs to the next blank line; skip it entirely.
        while (i + 1 < lines.length && (lines[i + 1] ?? "").trim() !== "") i++;
        break;
      }
      tokens.push(word.startsWith('"') ? word.slice(1, -1).replace(/\\(.)/g, "$1") : word);
    }
  }
  const entries: NetrcEntry[] = [];
  let cur: NetrcEntry | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === "machine" || t === "default") {
      if (cur) entries.push(cur);
      cur = { machine: t === "default" ? null : (tokens[++i] ?? "").toLowerCase(), username: "", password: "" };
    } else if (cur && (t === "login" || t === "password" || t === "account")) {
      const v = tokens[++i] ?? "";
      if (t === "login") cur.username = v;
      else if (t === "password") cur.password = v;
    }
  }
  if (cur) entries.push(cur);
  return entries;
}

export interface CredentialStoreOptions {
  env: Record<string, string | undefined>;
  /** Explicit netrc path; default $NETRC, else ~/.netrc (HOME or USERPROFILE from env). */
  netrcPath?: string;
  redactor: Redactor;
}

/** A run's configured index and find-links URLs, and where the environment's credentials go. */
export interface CredentialSources {
  /** Every configured URL; the credentials written in one belong to its origin. */
  urls: string[];
  /** The primary index, which WHEELBARROW_INDEX_USERNAME/_PASSWORD go to; null: to no index. */
  primaryIndex: string | null;
}

export class CredentialStore {
  private readonly byHost = new Map<string, Credentials>();
  private registered = false;
  private readonly netrc: NetrcEntry[];
  private envCreds: Credentials | null;
  private envBound = false;
  private readonly redactor: Redactor;

  constructor(o: CredentialStoreOptions) {
    this.redactor = o.redactor;
    const home = o.env["HOME"] ?? o.env["USERPROFILE"];
    const path = o.netrcPath ?? o.env["NETRC"] ?? (home ? join(home, ".netrc") : undefined);
    this.netrc = [];
    if (path) {
      try {
        this.netrc = parseNetrc(readFileSync(path, "utf8"));
      } catch {
        // no netrc: nothing to add
      }
    }
    for (const e of this.netrc) this.redactor.addPair(e.username, e.password);
    const user = o.env["WHEELBARROW_INDEX_USERNAME"];
    const pass = o.env["WHEELBARROW_INDEX_PASSWORD"];
    this.envCreds = user || pass ? { username: user ?? "", password: pass ?? "" } : null;
    if (this.envCreds) this.redactor.addPair(this.envCreds.username, this.envCreds.password);
  }

  /** Register the run's configured URLs and its primary index, once per store. */
  register(c: CredentialSources): void {
    if (this.registered) throw new Error("internal: the credentials of a run were registered twice");
    this.registered = true;
    for (const url of c.urls) this.addFromUrl(url);
    this.bindEnvToPrimary(c.primaryIndex);
  }

  /**
   * Bind the environment credentials to the primary index's origin, or to no index (null). Only
   * the first call decides; undefined decides nothing.
   */
  bindEnvToPrimary(primaryIndexUrl: string | null | undefined): void {
    if (primaryIndexUrl === undefined || this.envBound) return;
    this.envBound = true;
    if (!this.envCreds || primaryIndexUrl === null) return;
    const host = originOf(primaryIndexUrl);
    if (host && !this.byHost.has(host)) this.byHost.set(host, this.envCreds);
  }

  /** Remember the credentials written in a configured URL for its host. */
  addFromUrl(url: string): void {
    const c = credentialsInUrl(url);
    const host = originOf(url);
    if (!c || !host) return;
    this.redactor.addPair(c.username, c.password);
    this.byHost.set(host, c);
  }

  /** The credentials for this URL's own host, or null. */
  forUrl(url: string): Credentials | null {
    const inUrl = credentialsInUrl(url);
    if (inUrl) {
      this.redactor.addPair(inUrl.username, inUrl.password);
      return inUrl;
    }
    const host = originOf(url);
    if (!host) return null;
    const known = this.byHost.get(host);
    if (known) return known;
    let hostname: string;
    try {
      hostname = new URL(url).hostname.toLowerCase();
    } catch {
      return null;
    }
    const m = this.netrc.find((e) => e.machine === hostname) ?? this.netrc.find((e) => e.machine === null);
    return m && (m.username || m.password) ? { username: m.username, password: m.password } : null;
  }

  /** `Authorization` header value for the URL's host, or null. */
  authorization(url: string): string | null {
    const c = this.forUrl(url);
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}` : null;
  }
}

/** scheme://host[:port], lowercased; null for non-network URLs. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    return u.origin.toLowerCase();
  } catch {
    return null;
  }
}
