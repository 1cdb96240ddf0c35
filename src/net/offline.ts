/**
 * --offline as one wrapper around the Net: every http(s) request is refused with E_NETWORK,
 * `file://` URLs are still read (local indexes, find-links directories and wheels need no
 * network). Code that could have served a request from the cache does so before asking the Net;
 * what reaches the Net in offline mode is a cache miss, and the request's `missing` says what was
 * missing so the error can name it ("--offline: the METADATA of x.whl is not in the cache (...)").
 * Callers never test the offline flag to refuse a request themselves; `Net.offline` is read only
 * where it changes what the cache is trusted for (a cached index page is used without
 * revalidation).
 */
import { WbError } from "../errors.js";
import { isFileUrl } from "./file-url.js";
import type { CacheMiss, DownloadOptions, DownloadResult, GetOptions, HttpResponse } from "./http.js";

export type { CacheMiss } from "./http.js";

export const OFFLINE_HINT = "run the same command once without --offline (with the same --cache-dir) to fill the cache";

/** The E_NETWORK error of a request refused in offline mode. */
export function offlineRefusal(shownUrl: string, miss: CacheMiss | undefined): WbError {
  if (!miss) {
    return new WbError("E_NETWORK", `--offline: not fetching ${shownUrl}`, { hint: OFFLINE_HINT, details: { url: shownUrl } });
  }
  const where = miss.cache !== undefined ? ` (${miss.cache})` : "";
  return new WbError("E_NETWORK", `--offline: ${miss.what} is not in the cache${where}`, {
    hint: OFFLINE_HINT,
    details: { url: shownUrl, ...(miss.details ?? {}), ...(miss.cache !== undefined ? { cache: miss.cache } : {}) },
  });
}

interface Fetcher {
  get(url: string, opts?: GetOptions): Promise<HttpResponse>;
  download(url: string, dest: string, opts?: DownloadOptions): Promise<DownloadResult>;
  displayUrl(url: string): string;
}

/** `net` with its http(s) requests refused: file:// URLs pass through. */
export function refuseNetwork<N extends Fetcher>(net: N): N & { readonly offline: true } {
  return {
    ...net,
    offline: true,
    get: (url: string, opts?: GetOptions) => (isFileUrl(url) ? net.get(url, opts) : Promise.reject(offlineRefusal(net.displayUrl(url), opts?.missing))),
    download: (url: string, dest: string, opts?: DownloadOptions) => (isFileUrl(url) ? net.download(url, dest, opts) : Promise.reject(offlineRefusal(net.displayUrl(url), opts?.missing))),
  };
}
