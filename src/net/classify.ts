/**
 * Classifies a foreign (socket, TLS, undici, proxy) error by its code into what the user must
 * hear: E_TLS (certificate trouble, with the flag that fixes it), E_PROXY (the proxy refused or
 * cannot be reached) or E_NETWORK, and whether a retry may help.
 */
import type { ErrorCode } from "../errors.js";

export interface Classified {
  code: ErrorCode;
  retriable: boolean;
  /** Short, secret-free reason, e.g. "connection refused (ECONNREFUSED)". */
  reason: string;
  hints: string[];
}

const UNTRUSTED = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_REJECTED",
]);
const CLIENT_CERT_REFUSED = /CERTIFICATE_REQUIRED|ALERT_BAD_CERTIFICATE|ALERT_UNKNOWN_CA|ALERT_HANDSHAKE_FAILURE|ALERT_CERTIFICATE_UNKNOWN|ALERT_ACCESS_DENIED/;
const RETRIABLE = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  "UND_ERR_CLOSED",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_ABORTED",
]);
const CONNECT_FAILURES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT", "ETIMEDOUT"]);

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the server",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed (temporary DNS failure)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connect timed out",
  UND_ERR_HEADERS_TIMEOUT: "no response within the read timeout",
  UND_ERR_BODY_TIMEOUT: "the response stalled beyond the read timeout",
  UND_ERR_SOCKET: "the connection closed unexpectedly",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "the response body was shorter than announced",
  ERR_STREAM_PREMATURE_CLOSE: "the response body was cut off",
};

interface ErrLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The error and its causes, outermost first. */
function chain(e: unknown): ErrLike[] {
  const out: ErrLike[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur && typeof cur === "object"; i++) {
    out.push(cur as ErrLike);
    cur = (cur as ErrLike).cause;
  }
  return out;
}

function messages(e: unknown): string {
  return chain(e)
    .map((c) => (typeof c.message === "string" ? c.message : ""))
    .join(" | ");
}

export function classifyError(e: unknown, viaProxy: boolean): Classified {
  const codes = chain(e)
    .map((c) => (typeof c.code === "string" ? c.code : ""))
    .filter(Boolean);
  const msg = messages(e);
  const code = codes.find((c) => c !== "UND_ERR_SOCKET") ?? codes[0] ?? "";

  const proxyStatus = /Proxy response \((\d+)\)/.exec(msg)?.[1];
  if (/Proxy Authentication Required|\(407\)/.test(msg) || proxyStatus === "407") {
    return { code: "E_PROXY", retriable: false, reason: "the proxy refused the credentials (HTTP 407 Proxy Authentication Required)", hints: ["put the proxy's user and password in the proxy URL: --proxy http://USER:PASSWORD@proxy:port (or HTTPS_PROXY)"] };
  }
  if (proxyStatus) {
    const s = Number(proxyStatus);
    return {
      code: "E_PROXY",
      retriable: s >= 500,
      reason: `the proxy refused to connect to the host (HTTP ${proxyStatus} to CONNECT)`,
      hints: ["check that the proxy allows this host and port, or list the host in NO_PROXY"],
    };
  }
  if (codes.some((c) => UNTRUSTED.has(c))) {
    const which = codes.find((c) => UNTRUSTED.has(c));
    return { code: "E_TLS", retriable: false, reason: `the server's certificate is not trusted (${which})`, hints: ["if the index uses a private or corporate CA, pass its PEM bundle with --cert FILE (added to the system's CAs)"] };
  }
  if (codes.includes("CERT_HAS_EXPIRED") || codes.includes("CERT_NOT_YET_VALID")) {
    return { code: "E_TLS", retriable: false, reason: `the server's certificate is not valid now (${codes.find((c) => c.startsWith("CERT_"))})`, hints: ["check this machine's clock, and ask the index's owner to renew the certificate"] };
  }
  if (codes.includes("ERR_TLS_CERT_ALTNAME_INVALID")) {
    return { code: "E_TLS", retriable: false, reason: "the server's certificate does not name this host (ERR_TLS_CERT_ALTNAME_INVALID)", hints: ["use the host name the certificate was issued for"] };
  }
  if (codes.some((c) => CLIENT_CERT_REFUSED.test(c)) || CLIENT_CERT_REFUSED.test(msg.toUpperCase().replace(/ /g, "_"))) {
    return { code: "E_TLS", retriable: false, reason: `the server refused the TLS handshake: it wants a client certificate it trusts (${codes.find((c) => c.startsWith("ERR_SSL")) ?? "alert"})`, hints: ["pass a client certificate with --client-cert FILE (one PEM file holding the certificate and its private key)"] };
  }
  if (codes.some((c) => c.startsWith("ERR_SSL") || c.startsWith("ERR_TLS")) || (code === "EPROTO" && /SSL|TLS/i.test(msg))) {
    return { code: "E_TLS", retriable: false, reason: `TLS handshake failed (${codes.find((c) => c.startsWith("ERR_")) ?? code})`, hints: ["check the URL's scheme (https vs http), --cert and --client-cert"] };
  }
  if (viaProxy && CONNECT_FAILURES.has(code)) {
    return { code: "E_PROXY", retriable: code !== "ENOTFOUND", reason: `cannot reach the proxy: ${REASONS[code] ?? code} (${code})`, hints: ["check --proxy / HTTPS_PROXY / HTTP_PROXY, or list the index host in NO_PROXY"] };
  }
  const reason = REASONS[code] ? `${REASONS[code]} (${code})` : code ? `${firstLine(msg) || "network error"} (${code})` : firstLine(msg) || "network error";
  return { code: "E_NETWORK", retriable: RETRIABLE.has(code), reason, hints: [] };
}

function firstLine(s: string): string {
  return (s.split(/\r?\n| \| /)[0] ?? "").slice(0, 200);
}
