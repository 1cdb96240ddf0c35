/**
 * The size caps of what the Net reads, shared by the HTTP client (http.ts) and the file:// reader
 * (file-url.ts), and the one "larger than allowed" error both give.
 */
import { WbError } from "../errors.js";

/** The default cap of a get() body (pages and sidecars pass their own). */
export const DEFAULT_MAX_GET = 64 * 1024 * 1024;
/** The cap of a download whose size the index did not declare. */
export const DEFAULT_MAX_DOWNLOAD = 4 * 1024 * 1024 * 1024;

export function formatMiB(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`;
  return n >= 1024 ** 2 && n % 1024 ** 2 === 0 ? `${n / 1024 ** 2} MiB` : `${n} bytes`;
}

/**
 * A body over its cap. `shown` is the URL as it may be printed; `declared` the size a server
 * announced or a local file has (`local`), when known before reading.
 */
export function tooLargeError(shown: string, max: number, what = "the response", declared?: number, local = false): WbError {
  const size = declared !== undefined ? ` (it ${local ? "has" : "announces"} ${declared} bytes)` : "";
  return new WbError("E_NETWORK", `${shown} is larger than the ${formatMiB(max)} allowed for ${what}${size}`, {
    hint: "the server sent far more than such a response ever holds; check the URL, or report it to the index's owner",
    details: { url: shown, limit: max },
  });
}
