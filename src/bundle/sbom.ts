/**
 * sbom.cdx.json: a CycloneDX 1.6 JSON SBOM of every shipped wheel, built with
 * @cyclonedx/cyclonedx-library. One `library` component per wheel: purl
 * `pkg:pypi/<name>@<version>?file_name=<wheel>[&repository_url=<index>]` (the purl is also the
 * bom-ref; repository_url only when the wheel came from an index or find-links URL other than PyPI,
 * not for a wheel named by URL or path in a requirements file, whose source is `<file>:<line>`), the wheel's sha256, the distribution URL (credentials stripped) and the licence from
 * METADATA (as parsed once by src/pypa/metadata.ts and carried here from planning and download):
 * `License-Expression` (PEP 639) if present; else `License` when it is a one-line value
 * (an SPDX id becomes an SPDX licence, anything else a named one); else the `License ::`
 * classifiers; else the first line of a long `License` text. The application is
 * metadata.component and depends on the requested packages.
 *
 * Attestations and wheel SBOMs: a shipped PEP 740 provenance file is an `attestation` external
 * reference (`provenance/<wheel>.json`, with its sha256) plus one `wheelbarrow:provenance:publisher`
 * property per publisher the index claims; each PEP 770 SBOM inside a wheel is a `bom` external
 * reference `wheels/<wheel>#<member path>` with its sha256 (referenced, not merged).
 *
 * Deterministic: no timestamp, no serial number, explicit bom-refs, sorted lists.
 */
import * as CDX from "@cyclonedx/cyclonedx-library";
import type { CoreMetadata } from "../pypa/metadata.js";
import { publicUrl } from "../text/redact-url.js";

export interface SbomPackage {
  name: string;
  version: string;
  filename: string;
  sha256: string;
  requested: boolean;
  index: string;
  url?: string;
  /** The wheel's parsed METADATA, for the licence; null when it could not be read. */
  metadata: CoreMetadata | null;
  /** PEP 740 provenance shipped in the bundle: its bundle path, sha256 and claimed publishers. */
  provenance?: { path: string; sha256: string; publishers: string[] };
  /** PEP 770 SBOMs inside the wheel (`*.dist-info/sboms/*`). */
  sboms?: { member: string; sha256: string }[];
}

export interface SbomInput {
  app: { name: string; version: string };
  tool: { name: string; version: string };
  packages: SbomPackage[];
  /** The embedded interpreter, if any: one more component (bom-ref `python:<file name>`). */
  python?: { version: string; filename: string; sha256: string; source: string };
}

const PYPI = /^https?:\/\/(pypi\.org|pypi\.python\.org)(\/simple)?\/?$/;

/** An index or find-links location (a URL), not the `<file>:<line>` of a direct wheel or a lock's path. */
export function isSourceUrl(s: string): boolean {
  return /^(https?|file):\/\//i.test(s);
}

function pct(s: string): string {
  return encodeURIComponent(s).replace(/%3A/gi, ":");
}

/** The purl spec's pypi name: lowercased, `_` -> `-`, dots kept (`jaraco.classes`), not PEP 503's form. */
export function purlName(name: string): string {
  return name.toLowerCase().replace(/_/g, "-");
}

export function pypiPurl(p: { name: string; version: string; filename: string; index: string }): string {
  const name = purlName(p.name);
  const q: [string, string][] = [["file_name", p.filename]];
  const index = publicUrl(p.index);
  if (index && isSourceUrl(index) && !PYPI.test(index)) q.push(["repository_url", index]);
  q.sort(([a], [b]) => (a < b ? -1 : 1));
  return `pkg:pypi/${pct(name)}@${pct(p.version)}?` + q.map(([k, v]) => `${k}=${pct(v)}`).join("&");
}

/** Unambiguous trove classifiers -> SPDX ids; other classifiers become named licences. */
const CLASSIFIER_SPDX: Record<string, string> = {
  "MIT License": "MIT",
  "MIT No Attribution License (MIT-0)": "MIT-0",
  "ISC License (ISCL)": "ISC",
  "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
  "The Unlicense (Unlicense)": "Unlicense",
  "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
  "Zero-Clause BSD (0BSD)": "0BSD",
};

function disjunctive(name: string): CDX.Models.DisjunctiveLicense {
  return CDX.SPDX.isSupportedSpdxId(name) ? new CDX.Models.SpdxLicense(name) : new CDX.Models.NamedLicense(name);
}

/**
 * The `License` field as one string: a folded value's continuation lines lose the indentation
 * (up to 8 blanks) and the `|` some tools put before each line, then the whole is trimmed.
 */
function licenseText(meta: CoreMetadata): string {
  const raw = meta.raw.get("license")?.[0];
  if (raw === undefined) return "";
  const [first = "", ...rest] = raw.split("\n");
  return [first, ...rest.map((l) => l.replace(/^[ \t]{1,8}\|?/, ""))].join("\n").trim();
}

export function licencesFromMetadata(meta: CoreMetadata | null): CDX.Models.License[] {
  if (!meta) return [];
  const expr = meta.licenseExpression;
  if (expr) return [CDX.SPDX.isSupportedSpdxId(expr) ? new CDX.Models.SpdxLicense(expr) : new CDX.Models.LicenseExpression(expr)];
  const raw = licenseText(meta);
  const lic = /^unknown$/i.test(raw) ? "" : raw;
  const oneLine = lic !== "" && !lic.includes("\n") && lic.length <= 100;
  if (oneLine) return [disjunctive(lic)];
  const fromClassifiers = meta.classifiers
    .filter((c) => c.startsWith("License ::"))
    .map((c) => c.split("::").pop()?.trim() ?? "")
    .filter((n) => n !== "" && n !== "OSI Approved" && n !== "Other/Proprietary License")
    .map((n) => disjunctive(CLASSIFIER_SPDX[n] ?? n));
  if (fromClassifiers.length > 0) return fromClassifiers;
  const first = lic.split("\n").find((l) => l.trim() !== "")?.trim();
  return first ? [new CDX.Models.NamedLicense(first.slice(0, 100))] : [];
}

export function buildSbom(input: SbomInput): string {
  const bom = new CDX.Models.Bom();
  const app = new CDX.Models.Component(CDX.Enums.ComponentType.Application, input.app.name, {
    version: input.app.version,
    bomRef: `app:${input.app.name}@${input.app.version}`,
  });
  bom.metadata.component = app;
  bom.metadata.tools.components.add(new CDX.Models.Component(CDX.Enums.ComponentType.Application, input.tool.name, { version: input.tool.version, bomRef: `tool:${input.tool.name}` }));
  for (const p of input.packages) {
    const purl = pypiPurl(p);
    const c = new CDX.Models.Component(CDX.Enums.ComponentType.Library, p.name, { version: p.version, purl, bomRef: purl });
    c.hashes.set(CDX.Enums.HashAlgorithm["SHA-256"], p.sha256);
    for (const l of licencesFromMetadata(p.metadata)) c.licenses.add(l);
    if (p.url) c.externalReferences.add(new CDX.Models.ExternalReference(publicUrl(p.url), CDX.Enums.ExternalReferenceType.Distribution));
    if (p.provenance) {
      const ref = new CDX.Models.ExternalReference(p.provenance.path, CDX.Enums.ExternalReferenceType.Attestation, { comment: "PEP 740 provenance as served by the index (Sigstore signatures not verified by wheelbarrow)" });
      ref.hashes.set(CDX.Enums.HashAlgorithm["SHA-256"], p.provenance.sha256);
      c.externalReferences.add(ref);
      for (const pub of p.provenance.publishers) c.properties.add(new CDX.Models.Property("wheelbarrow:provenance:publisher", pub));
    }
    for (const s of p.sboms ?? []) {
      const ref = new CDX.Models.ExternalReference(`wheels/${p.filename}#${s.member}`, CDX.Enums.ExternalReferenceType.BOM, { comment: "PEP 770 SBOM inside the wheel" });
      ref.hashes.set(CDX.Enums.HashAlgorithm["SHA-256"], s.sha256);
      c.externalReferences.add(ref);
    }
    bom.components.add(c);
    if (p.requested) app.dependencies.add(c.bomRef);
  }
  if (input.python) {
    const py = input.python;
    const purl = `pkg:generic/cpython@${pct(py.version)}?file_name=${pct(py.filename)}`;
    const c = new CDX.Models.Component(CDX.Enums.ComponentType.Application, "cpython", { version: py.version, purl, bomRef: `python:${py.filename}` });
    c.hashes.set(CDX.Enums.HashAlgorithm["SHA-256"], py.sha256);
    c.licenses.add(new CDX.Models.SpdxLicense("PSF-2.0"));
    if (/^https?:/.test(py.source)) c.externalReferences.add(new CDX.Models.ExternalReference(publicUrl(py.source), CDX.Enums.ExternalReferenceType.Distribution));
    bom.components.add(c);
    app.dependencies.add(c.bomRef);
  }
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
  return serializer.serialize(bom, { sortLists: true, space: 2 }) + "\n";
}
