/**
 * Child process for the shared-cache test: downloads the requests in argv[3] (JSON) into the
 * cache at argv[2] and prints {sha256: path} on stdout.
 */
import { readFileSync } from "node:fs";
import { Cache } from "../../src/store/cache.js";
import { createNet } from "../../src/net/dispatcher.js";
import { downloadAll, type DownloadRequest } from "../../src/download/downloader.js";

const [root, reqsFile] = process.argv.slice(2) as [string, string];
const reqs = JSON.parse(readFileSync(reqsFile, "utf8")) as DownloadRequest[];
const net = createNet({ env: {}, netrcPath: "/nonexistent/.netrc", retries: 2, backoffMs: 5 });
const got = await downloadAll(reqs, { net, cache: new Cache(root), jobs: 3 });
await net.close();
const out: Record<string, string> = {};
for (const r of reqs) out[r.sha256!] = got.get(r.sha256!)!.path;
process.stdout.write(JSON.stringify(out));
