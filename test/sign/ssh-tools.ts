/** Real OpenSSH tools for the signature tests: key generation, `ssh-keygen -Y`, an ssh-agent. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const hasSshKeygen = spawnSync("ssh-keygen", ["-?"], { encoding: "utf8" }).error === undefined;
export const hasSshAgent = hasSshKeygen && spawnSync("ssh-agent", ["-?"], { encoding: "utf8" }).error === undefined;

export function sshKeygen(args: string[], input?: Buffer | string, env?: NodeJS.ProcessEnv): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("ssh-keygen", args, { input, encoding: "utf8", env: env ?? process.env });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh key pair; returns the private key path (public key at path + ".pub"). */
export function makeKey(dir: string, name: string, type = "ed25519", passphrase = ""): string {
  const path = join(dir, name);
  const r = sshKeygen(["-q", "-t", type, "-N", passphrase, "-C", `${name}@test`, "-f", path]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return path;
}

export function publicLine(keyPath: string): string {
  return readFileSync(keyPath + ".pub", "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

export function fingerprintOf(keyPath: string): string {
  return (sshKeygen(["-l", "-E", "sha256", "-f", keyPath + ".pub"]).stdout.split(/\s+/)[1] ?? "").trim();
}

export interface Agent {
  sock: string;
  proc: ChildProcess;
  add(key: string): void;
  stop(): void;
}

export async function startAgent(): Promise<Agent> {
  const dir = mkdtempSync(join(tmpdir(), "wb-agent-"));
  const sock = join(dir, "agent.sock");
  const proc = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
  for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
  if (!existsSync(sock)) throw new Error("ssh-agent did not start");
  return {
    sock,
    proc,
    add(key: string) {
      const r = spawnSync("ssh-add", ["-q", key], { env: { ...process.env, SSH_AUTH_SOCK: sock }, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`ssh-add failed: ${r.stderr}`);
    },
    stop() {
      if (proc.pid !== undefined) proc.kill("SIGTERM");
    },
  };
}
