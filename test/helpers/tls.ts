/**
 * Throw-away PKI for TLS tests, made with the `openssl` CLI: a self-signed CA, a server
 * certificate for 127.0.0.1/localhost signed by it, a client certificate signed by it (for
 * mTLS), and a second, unrelated CA with its own client certificate (refused by the server).
 * Generated once per test process into a temp directory.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPki {
  dir: string;
  caCert: string;
  /** Paths. */
  caCertPath: string;
  serverKey: string;
  serverCert: string;
  /** One PEM with certificate + key, as --client-cert takes it. */
  clientPemPath: string;
  /** A client certificate from another CA (the server must refuse it). */
  strangerPemPath: string;
}

let cached: TestPki | null = null;
process.once("exit", () => {
  if (cached) rmSync(cached.dir, { recursive: true, force: true });
});

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function issue(dir: string, name: string, ca: string, subject: string, ext: string): void {
  openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject], dir);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-sha256", "-extfile", `${name}.ext`], dir);
}

function makeCa(dir: string, name: string, cn: string): void {
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${cn}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
}

export function testPki(): TestPki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), "wb-pki-"));
  makeCa(dir, "ca", "wheelbarrow test CA");
  makeCa(dir, "other-ca", "unrelated CA");
  issue(dir, "server", "ca", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  issue(dir, "client", "ca", "/CN=wheelbarrow client", "extendedKeyUsage=clientAuth\n");
  issue(dir, "stranger", "other-ca", "/CN=stranger", "extendedKeyUsage=clientAuth\n");
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  writeFileSync(join(dir, "client.pem"), read("client.crt") + read("client.key"));
  writeFileSync(join(dir, "stranger.pem"), read("stranger.crt") + read("stranger.key"));
  cached = {
    dir,
    caCert: read("ca.crt"),
    caCertPath: join(dir, "ca.crt"),
    serverKey: read("server.key"),
    serverCert: read("server.crt"),
    clientPemPath: join(dir, "client.pem"),
    strangerPemPath: join(dir, "stranger.pem"),
  };
  return cached;
}
