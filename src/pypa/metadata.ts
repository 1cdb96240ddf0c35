/**
 * Core metadata (a wheel's METADATA, PEP 658 sidecars): the email-header format as Python's
 * email parser (compat32) reads it, reduced to the fields wheelbarrow uses (packaging.python.org "Core metadata specifications").
 *
 * Decisions:
 *  - Headers end at the first empty line; the body (often a README full of `Requires-Dist:`
 *    lookalikes) is never scanned.
 *  - Field names are case-insensitive: `raw` is keyed by the lowercased name and keeps every
 *    value in order; a folded value keeps its continuation lines (`"a\n  b"`, as compat32).
 *  - A header line that is neither `Name: value` nor a continuation is an error (the email
 *    parser would silently start the body there and lose the following fields).
 *  - Metadata-Version must be X.Y with major 1 or 2; an unknown minor (2.0, 2.7) is a
 *    warning, not an error (the spec asks tools to be lenient about minor versions).
 *  - Name must be a valid project name and Version a valid PEP 440 version; Provides-Extra
 *    values are normalised (PEP 685). Requires-Dist strings are returned as written (trimmed):
 *    the caller parses them so it can report which one is bad.
 */
import { canonicalizeExtra, isValidProjectName } from "./names.js";
import { isValidVersion } from "./versions.js";

export interface CoreMetadata {
  metadataVersion: string;
  name: string;
  version: string;
  requiresDist: string[];
  requiresPython?: string;
  providesExtra: string[];
  license?: string;
  licenseExpression?: string;
  classifiers: string[];
  summary?: string;
  /** Every header, keyed by lowercased field name, values in order. */
  raw: Map<string, string[]>;
  /** Non-fatal oddities (unknown minor Metadata-Version, repeated single-use fields). */
  warnings: string[];
}

export class MetadataError extends Error {
  constructor(message: string) {
    super(`invalid core metadata: ${message}`);
    this.name = "MetadataError";
  }
}

const KNOWN_VERSIONS = new Set(["1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]);
const HEADER = /^([\x21-\x39\x3b-\x7e]+):[ \t]*(.*)$/;

function readHeaders(text: string): Map<string, string[]> {
  const raw = new Map<string, string[]>();
  const lines = text.replace(/^\ufeff/, "").split(/\r\n|\n|\r/);
  let last: { values: string[]; index: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") break;
    if (line[0] === " " || line[0] === "\t") {
      if (!last) throw new MetadataError(`line ${i + 1} is a continuation line with no field before it: '${line}'`);
      last.values[last.index] += `\n${line}`;
      continue;
    }
    const m = HEADER.exec(line);
    if (!m) throw new MetadataError(`line ${i + 1} is not a 'Field: value' header: '${line}'`);
    const key = m[1]!.toLowerCase();
    const values = raw.get(key) ?? [];
    values.push(m[2]!);
    raw.set(key, values);
    last = { values, index: values.length - 1 };
  }
  return raw;
}

export function parseMetadata(text: string): CoreMetadata {
  const raw = readHeaders(text);
  const warnings: string[] = [];
  const all = (field: string): string[] => (raw.get(field.toLowerCase()) ?? []).map((v) => v.trim());
  const one = (field: string): string | undefined => {
    const values = all(field);
    if (values.length > 1) warnings.push(`field '${field}' appears ${values.length} times; the first value is used`);
    return values[0];
  };
  const required = (field: string): string => {
    const value = one(field);
    if (value === undefined || value === "") throw new MetadataError(`missing required field '${field}'`);
    return value;
  };

  const metadataVersion = required("Metadata-Version");
  const mv = /^(\d+)\.(\d+)$/.exec(metadataVersion);
  if (!mv) throw new MetadataError(`Metadata-Version '${metadataVersion}' is not of the form X.Y`);
  if (mv[1] !== "1" && mv[1] !== "2") {
    throw new MetadataError(`Metadata-Version '${metadataVersion}' is not supported (major version ${mv[1]})`);
  }
  if (!KNOWN_VERSIONS.has(metadataVersion)) warnings.push(`Metadata-Version '${metadataVersion}' is not one of the versions known here (1.0-1.2, 2.1-2.6)`);

  const name = required("Name");
  if (!isValidProjectName(name)) throw new MetadataError(`Name '${name}' is not a valid project name`);
  const version = required("Version");
  if (!isValidVersion(version)) throw new MetadataError(`Version '${version}' of ${name} is not a valid PEP 440 version`);

  const result: CoreMetadata = {
    metadataVersion,
    name,
    version,
    requiresDist: all("Requires-Dist").filter((v) => v !== ""),
    providesExtra: [...new Set(all("Provides-Extra").filter((v) => v !== "").map(canonicalizeExtra))],
    classifiers: all("Classifier").filter((v) => v !== ""),
    raw,
    warnings,
  };
  const requiresPython = one("Requires-Python");
  if (requiresPython !== undefined) result.requiresPython = requiresPython;
  const license = one("License");
  if (license !== undefined) result.license = license;
  const licenseExpression = one("License-Expression");
  if (licenseExpression !== undefined) result.licenseExpression = licenseExpression;
  const summary = one("Summary");
  if (summary !== undefined) result.summary = summary;
  return result;
}
