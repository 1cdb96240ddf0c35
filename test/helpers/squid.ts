/**
 * A real squid forward proxy on 127.0.0.1 for tests (apt package `squid`; null where absent).
 * It logs every request to access.log, caches nothing, and accepts only loopback clients.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Squid {
  url: string;
  port: number;
  /** The access log so far (squid writes it as it goes). */
  accessLog(): string;
  stop(): Promise<void>;
}

export function squidBinary(): string | null {
  for (const p of ["/usr/sbin/squid", "/usr/bin/squid"]) {
    try {
      execFileSync(p, ["-v"], { stdio: "ignore" });
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startSquid(): Promise<Squid | null> {
  const bin = squidBinary();
  if (!bin) return null;
  const dir = mkdtempSync(join(tmpdir(), "wb-squid-"));
  chmodSync(dir, 0o777); // squid drops root privileges to its own user and must write its logs here
  const port = await freePort();
  const log = join(dir, "access.log");
  writeFileSync(
    join(dir, "squid.conf"),
    [
      `http_port 127.0.0.1:${port}`,
      "acl localnet src 127.0.0.1/32",
      "http_access allow localnet",
      "http_access deny all",
      `access_log stdio:${log}`,
      `cache_log ${join(dir, "cache.log")}`,
      `pid_filename ${join(dir, "squid.pid")}`,
      `coredump_dir ${dir}`,
      "cache deny all",
      "shutdown_lifetime 0 seconds",
      "",
    ].join("\n"),
  );
  const proc: ChildProcess = spawn(bin, ["-N", "-f", join(dir, "squid.conf")], { stdio: "ignore" });
  const t0 = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, "127.0.0.1");
      s.on("connect", () => (s.destroy(), r(true)));
      s.on("error", () => r(false));
    });
    if (ok) break;
    if (Date.now() - t0 > 15_000 || proc.exitCode !== null) {
      proc.kill("SIGKILL");
      throw new Error(`squid did not start: ${safeRead(join(dir, "cache.log")).slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    accessLog: () => safeRead(log),
    stop: async () => {
      proc.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
      if (proc.exitCode === null) proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}
