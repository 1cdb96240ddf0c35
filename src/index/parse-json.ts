/**
 * PEP 691 JSON project pages (with PEP 700 `size`/`upload-time`/`versions`, PEP 714
 * `core-metadata` with the `dist-info-metadata` fallback, PEP 592 `yanked`). Pure: text in,
 * entries out. Unknown keys are ignored; a malformed page or file entry is an error naming the
 * page, because a silently dropped file could change which wheel is picked.
 */
import type { IndexFile } from "../model/index-file.js";

/** A file entry as the page states it: an IndexFile before its `url` (which may be relative) is resolved and attributed to a source. */
export type JsonFileEntry = Omit<IndexFile, "url" | "provenance" | "source"> & { url: string; provenance?: string };

export interface JsonPage {
  name?: string;
  apiVersion?: string;
  files: JsonFileEntry[];
  versions?: string[];
}

export class JsonPageError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hashDict(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new JsonPageError(`${what} must be an object of hashes`);
  const out: Record<string, string> = {};
  for (const [alg, hex] of Object.entries(v)) {
    if (typeof hex !== "string") throw new JsonPageError(`${what}.${alg} must be a string`);
    out[alg.toLowerCase()] = hex.toLowerCase();
  }
  return out;
}

function metadataField(v: unknown, what: string): false | true | Record<string, string> {
  if (v === undefined || v === null || v === false) return false;
  if (v === true) return true;
  const h = hashDict(v, what);
  return Object.keys(h).length ? h : true;
}

export function parseJsonPage(text: string): JsonPage {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new JsonPageError(`not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(doc)) throw new JsonPageError("the page is not a JSON object");
  const meta = doc["meta"];
  const apiVersion = isObject(meta) && typeof meta["api-version"] === "string" ? meta["api-version"] : undefined;
  const filesRaw = doc["files"];
  if (!Array.isArray(filesRaw)) throw new JsonPageError("`files` must be an array");
  const files: JsonFileEntry[] = filesRaw.map((f, i) => {
    const what = `files[${i}]`;
    if (!isObject(f)) throw new JsonPageError(`${what} must be an object`);
    const filename = f["filename"];
    const url = f["url"];
    if (typeof filename !== "string" || filename === "") throw new JsonPageError(`${what}.filename must be a non-empty string`);
    if (typeof url !== "string" || url === "") throw new JsonPageError(`${what}.url must be a non-empty string`);
    const rp = f["requires-python"];
    const y = f["yanked"];
    const entry: JsonFileEntry = {
      filename,
      url,
      hashes: hashDict(f["hashes"], `${what}.hashes`),
      yanked: y === true ? "" : typeof y === "string" ? y : false,
      coreMetadata: f["core-metadata"] !== undefined ? metadataField(f["core-metadata"], `${what}.core-metadata`) : metadataField(f["dist-info-metadata"], `${what}.dist-info-metadata`),
    };
    if (typeof rp === "string" && rp.trim() !== "") entry.requiresPython = rp;
    if (typeof f["size"] === "number" && Number.isInteger(f["size"]) && f["size"] >= 0) entry.size = f["size"];
    if (typeof f["upload-time"] === "string") entry.uploadTime = f["upload-time"];
    if (typeof f["provenance"] === "string" && f["provenance"] !== "") entry.provenance = f["provenance"];
    return entry;
  });
  const page: JsonPage = { files };
  if (typeof doc["name"] === "string") page.name = doc["name"];
  if (apiVersion) page.apiVersion = apiVersion;
  if (Array.isArray(doc["versions"])) page.versions = doc["versions"].filter((v): v is string => typeof v === "string");
  return page;
}
