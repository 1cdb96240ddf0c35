/** `--allowed-signers FILE [--identity ID]` of verify and inspect, parsed once into CheckOptions. */
import { resolve } from "node:path";
import type { Context } from "../context.js";
import { WbError } from "../errors.js";
import type { SignatureFlags } from "./flags.js";
import type { InspectReport } from "../bundle/inspect.js";
import type { OpenedBundle } from "../bundle/read-bundle.js";
import { checkBundleSignature } from "../sign/bundle-signature.js";
import { loadAllowedSigners, type CheckOptions, type SignatureInfo } from "../sign/check-signature.js";

/** The CLI has checked the flags (src/cli/flags.ts: --identity needs --allowed-signers and a principal). */
export async function signatureFlags(flags: SignatureFlags, ctx: Context): Promise<CheckOptions> {
  const file = flags.allowedSigners;
  const now = Math.floor(ctx.now().getTime() / 1000);
  if (file === undefined) return { now };
  return { allowed: await loadAllowedSigners(resolve(ctx.cwd, file)), allowedFile: file, identity: flags.identity, now };
}

/** One human line: who signed, and whether an allowed_signers line vouches for the key. */
export function describeSignature(s: SignatureInfo | null): string {
  if (!s) return "not signed";
  const who = s.authenticated ? `${s.principals.join(" ")} (${s.keyType} ${s.fingerprint})` : `${s.keyType} ${s.fingerprint}`;
  return `${s.signed} signed by ${who}${s.authenticated ? "" : ", key not checked against allowed signers"}`;
}

/** For inspect: the signer, or why the signature does not check; never throws E_SIGNATURE. */
export function inspectSignature(b: OpenedBundle, o: CheckOptions): NonNullable<InspectReport["signature"]> {
  try {
    const s = checkBundleSignature(b, { ...o, allowed: undefined });
    if (!s) return { signed: false, summary: "not signed", fingerprint: null, principals: [] };
    if (!o.allowed) return { signed: true, summary: describeSignature(s), fingerprint: s.fingerprint, principals: [] };
    try {
      const a = checkBundleSignature(b, o) as SignatureInfo;
      return { signed: true, summary: describeSignature(a), fingerprint: a.fingerprint, principals: a.principals };
    } catch (e) {
      if (!(e instanceof WbError) || e.code !== "E_SIGNATURE") throw e;
      return { signed: true, summary: `${describeSignature(s)}; NOT accepted by ${o.allowedFile ?? "the allowed signers"}`, fingerprint: s.fingerprint, principals: [] };
    }
  } catch (e) {
    if (!(e instanceof WbError) || e.code !== "E_SIGNATURE") throw e;
    return { signed: true, summary: `INVALID: ${e.message}`, fingerprint: null, principals: [] };
  }
}
