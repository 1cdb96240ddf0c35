import { testPki } from "./test/helpers/tls.ts";
import { startIndexServer } from "./test/helpers/index-server.ts";
import { Agent, buildConnector } from "undici";
import { readFileSync } from "node:fs";
const pki = testPki();
const s = await startIndexServer({ files: [], tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true } });
const pem = readFileSync(pki.strangerPemPath, "utf8");
const base = buildConnector({ ca: [pki.caCert], cert: pem, key: pem });
const connect = (opts: any, cb: any) => base(opts, (err: any, sock: any) => { if (sock) { for (const ev of ["error", "end", "close", "secureConnect"]) sock.on(ev, (e: any) => console.log("sock", ev, e?.code ?? "")); } cb(err, sock); });
const a = new Agent({ connect });
try { await a.request({ origin: s.origin, path: "/simple/", method: "GET" }); } catch (e: any) { console.log("req err", e.code, e.message); }
await new Promise((r) => setTimeout(r, 200));
await s.close(); await a.close();
