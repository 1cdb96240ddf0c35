/**
 * PEP 740 provenance objects (what an index's `provenance` URL / PyPI's Integrity API serves):
 *
 *   { "version": 1, "attestation_bundles": [ { "publisher": { "kind": "GitHub", "repository": ..., ... },
 *       "attestations": [ { "version": 1, "verification_material": {...},
 *                           "envelope": { "statement": base64(in-toto Statement), "signature": base64 } } ] } ] }
 *
 * What is checked here, offline and without any trust root: the shape, and that every
 * attestation's in-toto statement names this wheel (file name and sha256) as its subject, so a
 * provenance object of another file is not shipped as this one's. What is NOT checked: the
 * Sigstore signature, certificate chain and transparency-log entries (that needs a trust root and
 * a Sigstore verifier); the publisher identity is recorded as the index claims it.
 * Pure: no I/O.
 */

export interface Publisher {
  kind: string;
  /** e.g. `owner/repo` for GitHub, `group/project` for GitLab. */
  repository?: string;
  workflow?: string;
  environment?: string;
}

export interface ProvenanceSummary {
  publishers: Publisher[];
  attestations: number;
  /** in-toto predicate types, e.g. https://docs.pypi.org/attestations/publish/v1. */
  predicateTypes: string[];
}

export class ProvenanceError extends Error {}

const MAX = 4 * 1024 * 1024;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function statementOf(att: Obj, where: string): Obj {
  const env = att["envelope"];
  if (!isObj(env) || typeof env["statement"] !== "string" || typeof env["signature"] !== "string") throw new ProvenanceError(`${where}.envelope must hold base64 statement and signature`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(env["statement"], "base64").toString("utf8"));
  } catch {
    throw new ProvenanceError(`${where}.envelope.statement is not base64 JSON (an in-toto statement)`);
  }
  if (!isObj(doc) || !Array.isArray(doc["subject"])) throw new ProvenanceError(`${where}: the statement has no subject list`);
  return doc;
}

/** Parses and checks a provenance object for the wheel `filename` with `sha256`. */
export function checkProvenance(data: Buffer, filename: string, sha256: string): ProvenanceSummary {
  if (data.length > MAX) throw new ProvenanceError(`too large (${data.length} bytes)`);
  let doc: unknown;
  try {
    doc = JSON.parse(data.toString("utf8"));
  } catch (e) {
    throw new ProvenanceError(`not JSON (${(e as Error).message})`);
  }
  if (!isObj(doc)) throw new ProvenanceError("not a JSON object");
  if (doc["version"] !== 1) throw new ProvenanceError(`version ${JSON.stringify(doc["version"])} is not 1`);
  const bundles = doc["attestation_bundles"];
  if (!Array.isArray(bundles) || bundles.length === 0) throw new ProvenanceError("attestation_bundles must be a non-empty list");
  const publishers: Publisher[] = [];
  const types = new Set<string>();
  let count = 0;
  bundles.forEach((b, i) => {
    const where = `attestation_bundles[${i}]`;
    if (!isObj(b)) throw new ProvenanceError(`${where} must be an object`);
    const pub = b["publisher"];
    if (!isObj(pub) || !str(pub["kind"])) throw new ProvenanceError(`${where}.publisher.kind is missing`);
    const p: Publisher = { kind: pub["kind"] as string };
    for (const k of ["repository", "workflow", "environment"] as const) if (str(pub[k])) p[k] = pub[k] as string;
    publishers.push(p);
    const atts = b["attestations"];
    if (!Array.isArray(atts) || atts.length === 0) throw new ProvenanceError(`${where}.attestations must be a non-empty list`);
    atts.forEach((a, j) => {
      const w = `${where}.attestations[${j}]`;
      if (!isObj(a)) throw new ProvenanceError(`${w} must be an object`);
      const st = statementOf(a, w);
      const subjects = st["subject"] as unknown[];
      const ok = subjects.some((s) => isObj(s) && s["name"] === filename && isObj(s["digest"]) && String(s["digest"]["sha256"]).toLowerCase() === sha256);
      if (!ok) throw new ProvenanceError(`${w}: the statement's subject is not ${filename} with sha256 ${sha256.slice(0, 16)}…`);
      if (str(st["predicateType"])) types.add(st["predicateType"] as string);
      count++;
    });
  });
  return { publishers, attestations: count, predicateTypes: [...types].sort() };
}

/** `provenance/<wheel>.json`, the bundle path of a wheel's provenance. */
export function provenancePath(filename: string): string {
  return `provenance/${filename}.json`;
}

export function describePublisher(p: Publisher): string {
  return [p.kind, p.repository, p.workflow && `workflow ${p.workflow}`, p.environment && `environment ${p.environment}`].filter(Boolean).join(" ");
}
