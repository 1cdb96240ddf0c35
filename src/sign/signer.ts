/**
 * Where signatures come from: an unencrypted OpenSSH ed25519 private key file (`--sign-key`),
 * signed in Node's crypto, or a key held by ssh-agent (`--sign-agent`, over SSH_AUTH_SOCK; with
 * `--sign-key FILE.pub` naming which of the agent's ed25519 keys to use). Either way the result
 * is an armored SSHSIG in namespace `wheelbarrow` with hash sha512, byte-identical to what
 * `ssh-keygen -Y sign -n wheelbarrow` writes for the same key and message (ed25519 signatures
 * are deterministic). Every signature is checked against the public key before it is used.
 */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createHash, sign as edSign } from "node:crypto";
import { WbError } from "../errors.js";
import { OpenSshKeyError, parseOpenSshPrivateKey } from "./openssh-key.js";
import { ED25519, fingerprint, parsePublicKeyBlob, parsePublicKeyLine, type SshPublicKey } from "./ssh-public-key.js";
import { AgentError, SshAgent } from "./ssh-agent.js";
import { NAMESPACE, armor, checkSshSig, encodeSshSig, signedData, type SigHash } from "./sshsig.js";
import { sshString } from "./ssh-wire.js";
import { SshWireError } from "./ssh-wire.js";

const HASH: SigHash = "sha512";

export interface Signer {
  publicKey: SshPublicKey;
  /** `SHA256:...` of the signing key. */
  fingerprint: string;
  /** The SSH signature blob over `data`. */
  signRaw(data: Buffer): Promise<Buffer>;
  close(): void;
}

export interface SignerOptions {
  keyFile?: string;
  agent?: boolean;
  env: Record<string, string | undefined>;
}

function sigError(message: string, hint: string | string[]): WbError {
  return new WbError("E_SIGNATURE", message, { hint });
}

async function readKeyFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw sigError(`cannot read the ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? e})`, "give the path of an OpenSSH ed25519 key (ssh-keygen -t ed25519 -f KEY)");
  }
}

async function fileSigner(path: string): Promise<Signer> {
  const text = await readKeyFile(path, "signing key");
  let key;
  try {
    key = parseOpenSshPrivateKey(text);
  } catch (e) {
    if (!(e instanceof OpenSshKeyError)) throw e;
    const hints =
      e.reason === "encrypted"
        ? ["load it into ssh-agent (ssh-add KEY) and sign with --sign-agent, or use a key without a passphrase kept on the build machine only"]
        : ["create one with: ssh-keygen -t ed25519 -N '' -f wheelbarrow-signing-key"];
    throw new WbError("E_SIGNATURE", `signing key ${path} ${e.message}`, { hint: hints, details: { file: path, reason: e.reason } });
  }
  const publicKey = parsePublicKeyBlob(key.publicBlob);
  return {
    publicKey,
    fingerprint: fingerprint(key.publicBlob),
    signRaw: async (data) => Buffer.concat([sshString(ED25519), sshString(edSign(null, data, key.privateKey))]),
    close: () => undefined,
  };
}

async function agentSigner(env: Record<string, string | undefined>, pubFile?: string): Promise<Signer> {
  const sock = env["SSH_AUTH_SOCK"];
  if (!sock) throw sigError("--sign-agent needs a running ssh-agent, but SSH_AUTH_SOCK is not set", ["start one: eval \"$(ssh-agent)\" && ssh-add KEY"]);
  let want: SshPublicKey | null = null;
  if (pubFile !== undefined) {
    const text = await readKeyFile(pubFile, "public key");
    try {
      want = parsePublicKeyLine(text.split(/\r?\n/).find((l) => l.trim() !== "") ?? "");
    } catch (e) {
      if (!(e instanceof SshWireError)) throw e;
      throw sigError(`with --sign-agent, --sign-key names the public key to use; ${pubFile} is not one (${e.message})`, "give the .pub file of a key loaded in the agent");
    }
  }
  let agent: SshAgent;
  try {
    agent = await SshAgent.open(sock);
  } catch (e) {
    if (e instanceof AgentError) throw sigError(e.message, "is the agent running? (ssh-add -l)");
    throw e;
  }
  try {
    const ids = (await agent.identities()).filter((i) => {
      try {
        return parsePublicKeyBlob(i.blob).type === ED25519;
      } catch {
        return false;
      }
    });
    const chosen = want ? ids.find((i) => i.blob.equals(want.blob)) : ids.length === 1 ? ids[0] : undefined;
    if (!chosen) {
      agent.close();
      if (want) throw sigError(`the agent does not hold the key ${fingerprint(want.blob)} of ${pubFile}`, "ssh-add the private key, then retry");
      if (ids.length === 0) throw sigError("the agent holds no ssh-ed25519 key", "ssh-add an ed25519 key (ssh-keygen -t ed25519)");
      throw sigError(`the agent holds ${ids.length} ed25519 keys; say which one to sign with`, ["add --sign-key KEY.pub (the public key file)", ...ids.map((i) => `agent key: ${fingerprint(i.blob)} ${i.comment}`)]);
    }
    const publicKey = parsePublicKeyBlob(chosen.blob);
    return {
      publicKey,
      fingerprint: fingerprint(chosen.blob),
      signRaw: async (data) => {
        try {
          return await agent.sign(chosen.blob, data);
        } catch (e) {
          if (e instanceof AgentError) throw sigError(e.message, "check the agent (ssh-add -l)");
          throw e;
        }
      },
      close: () => agent.close(),
    };
  } catch (e) {
    agent.close();
    if (e instanceof AgentError) throw sigError(e.message, "check the agent (ssh-add -l)");
    throw e;
  }
}

/** null when neither --sign-key nor --sign-agent was given. */
export async function openSigner(o: SignerOptions): Promise<Signer | null> {
  if (o.agent) return agentSigner(o.env, o.keyFile);
  if (o.keyFile !== undefined) return fileSigner(o.keyFile);
  return null;
}

/** The armored SSHSIG of a message given by its sha512 digest. */
export async function signDigest(signer: Signer, digest: Buffer): Promise<string> {
  const sig = await signer.signRaw(signedData(NAMESPACE, HASH, digest));
  const blob = encodeSshSig(signer.publicKey.blob, NAMESPACE, HASH, sig);
  const why = checkSshSig({ publicKey: signer.publicKey, namespace: NAMESPACE, hashAlg: HASH, signature: sig }, NAMESPACE, digest);
  if (why !== null) throw new Error(`internal: a fresh signature by ${signer.fingerprint} does not verify (${why})`);
  return armor(blob);
}

export function signBytes(signer: Signer, data: Buffer): Promise<string> {
  return signDigest(signer, createHash(HASH).update(data).digest());
}

/** Digest of a file, streamed (archives can be large). */
export async function digestFile(path: string, alg: SigHash): Promise<Buffer> {
  const h = createHash(alg);
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest();
}

export async function signFile(signer: Signer, path: string): Promise<string> {
  return signDigest(signer, await digestFile(path, HASH));
}
