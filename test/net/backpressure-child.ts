/**
 * Child process for the back-pressure regression test: downloads argv[2] into argv[3] `argv[4]`
 * times in a row (and fetches it with get() as often), then prints the sizes as JSON. A crash
 * inside the HTTP client (an uncatchable assertion) shows as a non-zero exit with the stack on
 * stderr, which the parent test asserts never happens.
 */
import { createNet } from "../../src/net/dispatcher.js";

const [url, dest, times] = process.argv.slice(2) as [string, string, string];
const net = createNet({ env: {}, netrcPath: "/nonexistent/.netrc", retries: 2, backoffMs: 5, readTimeoutMs: 5000 });
const sizes: number[] = [];
for (let i = 0; i < Number(times); i++) {
  const r = await net.download(url, dest, {});
  sizes.push(r.size);
  const g = await net.get(url, { maxBytes: 64 * 1024 * 1024 });
  sizes.push(g.body.length);
}
await net.close();
process.stdout.write(JSON.stringify(sizes));
