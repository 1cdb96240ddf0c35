/**
 * TLS against real https servers on 127.0.0.1 with a throw-away CA (openssl): refused without
 * --cert (E_TLS with a hint naming --cert), accepted with it; mTLS accepted with the right client
 * certificate, refused without one or with a stranger's (E_TLS naming --client-cert).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { testPki, type TestPki } from "../helpers/tls.js";
import { expectNoSecrets, rejection, tempDir, testNet } from "./net-helpers.js";

const SECRET = "tls-t0ken-value";
let pki: TestPki;
let wheel: BuiltWheel;
let server: IndexServer;
let mtls: IndexServer;

beforeAll(async () => {
  pki = testPki();
  wheel = await buildWheel({ name: "demo", version: "1.0" }, tempDir());
  server = await startIndexServer({ files: [wheel], tls: { key: pki.serverKey, cert: pki.serverCert } });
  mtls = await startIndexServer({ files: [wheel], tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true } });
});
afterAll(async () => {
  await server.close();
  await mtls.close();
});

describe("private CA", () => {
  it("refused without --cert: E_TLS with a hint, redacted URL, no secret", async () => {
    const net = testNet();
    const url = server.indexUrl.replace("https://", `https://${SECRET}@`) + "demo/";
    const e = await rejection(net.get(url));
    expect(e.code).toBe("E_TLS");
    expect(e.message).toBe(`cannot fetch https://***@127.0.0.1:${new URL(server.origin).port}/simple/demo/: the server's certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`);
    expect(e.hints).toEqual(["if the index uses a private or corporate CA, pass its PEM bundle with --cert FILE (added to the system's CAs)"]);
    expectNoSecrets(e, [SECRET]);
    await net.close();
  });

  it("accepted with --cert (the CA bundle), on top of the default CAs", async () => {
    const net = testNet({ cert: pki.caCertPath });
    const res = await net.get(`${server.indexUrl}demo/`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain(wheel.filename);
    await net.close();
  });

  it("--cert that is not a PEM bundle is a usage error", () => {
    const bad = join(tempDir(), "bad.pem");
    writeFileSync(bad, "not a certificate");
    expect(() => testNet({ cert: bad })).toThrow(`--cert ${bad}: no PEM certificate in the file`);
    expect(() => testNet({ cert: "/nonexistent/ca.pem" })).toThrow("--cert /nonexistent/ca.pem: cannot read the file (ENOENT)");
  });
});

describe("mTLS", () => {
  it("accepted with the right client certificate", async () => {
    const net = testNet({ cert: pki.caCertPath, clientCert: pki.clientPemPath });
    expect((await net.get(`${mtls.indexUrl}demo/`)).status).toBe(200);
    await net.close();
  });

  it("refused without a client certificate: E_TLS naming --client-cert", async () => {
    const net = testNet({ cert: pki.caCertPath });
    const e = await rejection(net.get(`${mtls.indexUrl}demo/`));
    expect(e.code).toBe("E_TLS");
    expect(e.message).toMatch(new RegExp(`^cannot fetch ${mtls.indexUrl}demo/: the server refused the TLS handshake: it wants a client certificate it trusts \\(ERR_SSL_[A-Z0-9_]+\\)$`));
    expect(e.hints).toEqual(["pass a client certificate with --client-cert FILE (one PEM file holding the certificate and its private key)"]);
    await net.close();
  });

  it("refused with a certificate from another CA: the server only hangs up, so E_NETWORK with a --client-cert hint", async () => {
    // Node's https server (like many) closes the connection without a TLS alert when the client
    // certificate does not verify; the client cannot tell more than that.
    const net = testNet({ cert: pki.caCertPath, clientCert: pki.strangerPemPath, retries: 1 });
    const e = await rejection(net.get(`${mtls.indexUrl}demo/`));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`cannot fetch ${mtls.indexUrl}demo/ after 2 attempts: the connection closed unexpectedly (UND_ERR_SOCKET)`);
    expect(e.hints).toContain("an https server that does not accept the client certificate closes the connection like this: check --client-cert");
    await net.close();
  });

  it("--client-cert without a private key is a usage error", () => {
    expect(() => testNet({ clientCert: pki.caCertPath })).toThrow(`--client-cert ${pki.caCertPath}: the file must hold the client certificate and its unencrypted private key (PEM)`);
  });
});
