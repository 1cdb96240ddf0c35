/**
 * Which proxy a URL goes through: `--proxy` (for both schemes), else HTTPS_PROXY / HTTP_PROXY
 * as pip and curl read them (lower case wins over upper case, as in curl; ALL_PROXY as the
 * fallback for both), minus NO_PROXY. An https URL never uses HTTP_PROXY (curl and pip agree).
 *
 * NO_PROXY (either case) is honoured with `--proxy` too, as pip does: entries separated by
 * commas or spaces; `*` disables the proxy; `host`, `.host` and `*.host` match the host and its
 * subdomains; `host:port` only that port; IPv4 CIDR blocks (`10.0.0.0/8`) match addresses.
 * Nothing is bypassed implicitly (not even localhost), as curl does.
 */

export interface ProxyConfig {
  http?: string;
  https?: string;
  noProxy: string;
}

export function proxyConfig(proxy: string | undefined, env: Record<string, string | undefined>): ProxyConfig {
  const pick = (...names: string[]) => {
    for (const n of names) {
      const v = env[n];
      if (v !== undefined && v.trim() !== "") return normaliseProxyUrl(v.trim());
    }
    return undefined;
  };
  const noProxy = env["no_proxy"] ?? env["NO_PROXY"] ?? "";
  if (proxy) {
    const p = normaliseProxyUrl(proxy);
    return { http: p, https: p, noProxy };
  }
  return {
    http: pick("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"),
    https: pick("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"),
    noProxy,
  };
}

/** `proxy.corp:3128` means `http://proxy.corp:3128`, as curl reads it. */
export function normaliseProxyUrl(p: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? p : `http://${p}`;
}

function ipv4ToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** True when NO_PROXY says this URL must be reached directly. */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const entries = noProxy
    .split(/[,\s]+/)
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (entries.length === 0) return false;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  for (const raw of entries) {
    if (raw === "*") return true;
    let entry = raw;
    let entryPort: number | null = null;
    const pm = /^(.*[^:]):(\d+)$/.exec(entry);
    if (pm && !entry.includes("]") && (entry.match(/:/g) ?? []).length === 1) {
      entry = pm[1]!;
      entryPort = Number(pm[2]);
    }
    entry = entry.replace(/^\[|\]$/g, "");
    if (entryPort !== null && entryPort !== port) continue;
    const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(entry);
    if (cidr) {
      const net = ipv4ToInt(cidr[1]!);
      const ip = ipv4ToInt(host);
      const bits = Number(cidr[2]);
      if (net !== null && ip !== null && bits <= 32) {
        const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
        if (((net & mask) >>> 0) === ((ip & mask) >>> 0)) return true;
      }
      continue;
    }
    const bare = entry.replace(/^\*?\./, "");
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/** The proxy URL for this target URL, or undefined for a direct connection. */
export function proxyFor(url: URL, cfg: ProxyConfig): string | undefined {
  const p = url.protocol === "https:" ? cfg.https : url.protocol === "http:" ? cfg.http : undefined;
  if (!p) return undefined;
  return bypassesProxy(url, cfg.noProxy) ? undefined : p;
}
