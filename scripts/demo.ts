/**
 * `npm run demo`: wheelbarrow's main job end to end, on this machine, with no internet.
 *  1. build the demo's fixture wheels (one with a C extension compiled here),
 *  2. serve them as a PEP 503 index on 127.0.0.1,
 *  3. bundle examples/shop for three targets (this Linux, Windows, macOS),
 *  4. verify the bundles,
 *  5. install this machine's bundle offline (inside `unshare -n` where available),
 *  6. run the installed app.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { buildDemoWheels, hostPython } from "./lib/demo-wheels.js";
import { serveStatic, writeStaticIndex } from "./lib/static-index.js";

const root = resolve(import.meta.dirname, "..");
const out = join(root, "demo-out");
const cli = join(root, "bin", "wheelbarrow.js");

function step(n: number, text: string): void {
  process.stderr.write(`\n\x1b[1m[${n}/6] ${text}\x1b[0m\n`);
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): void {
  process.stderr.write(`$ ${[cmd, ...args].map((a) => (a.includes(" ") ? JSON.stringify(a) : a)).join(" ")}\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...opts.env }, cwd: opts.cwd ?? root });
  if (r.status !== 0) {
    process.stderr.write(`demo failed: ${cmd} exited with ${r.status ?? r.signal}\n`);
    process.exit(1);
  }
}

function canUnshare(): boolean {
  return spawnSync("unshare", ["-n", "true"], { stdio: "ignore" }).status === 0;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

step(1, "building the demo's fixture wheels");
const host = hostPython();
const wheels = await buildDemoWheels(join(root, "fixtures", "demo-packages"), join(out, "wheels-built"));
for (const w of wheels) process.stderr.write(`  ${w.filename}\n`);

step(2, "serving them as a package index on 127.0.0.1");
writeStaticIndex(wheels, join(out, "index"));
const server = await serveStatic(join(out, "index"));
process.stderr.write(`  index: ${server.url}/simple/\n`);

const py = host.tag.replace(/^cp3/, "3.");
const hostTarget = `manylinux_2_17_${host.machine}@${py}`;
const targets = [hostTarget, `win_amd64@${py}`, `macosx_11_0_arm64@${py}`];
try {
  step(3, `bundling examples/shop for ${targets.join(", ")}`);
  const bundleArgs = ["bundle", join(root, "manifests", "demo.toml"), "--index-url", `${server.url}/simple/`, "--out", join(out, "dist"), "--cache-dir", join(out, "cache")];
  for (const t of targets) bundleArgs.push("--target", t);
  // The CLI is a child process; keep serving index requests meanwhile.
  await new Promise<void>((res, rej) => {
    import("node:child_process").then(({ spawn }) => {
      process.stderr.write(`$ wheelbarrow ${bundleArgs.map((a) => (a.startsWith(root) ? relative(root, a) : a)).join(" ")}\n`);
      const child = spawn(process.execPath, [cli, ...bundleArgs], { stdio: "inherit", env: { ...process.env, WHEELBARROW_FROM_SOURCE: "1" } });
      child.on("exit", (code) => (code === 0 ? res() : rej(new Error(`wheelbarrow bundle exited with ${code}`))));
    }, rej);
  });
} finally {
  await server.close();
}

step(4, "verifying every bundle");
const bundles = readdirSync(join(out, "dist")).filter((f) => /\.(tar\.gz|zip)$/.test(f)).sort();
for (const b of bundles) run(process.execPath, [cli, "verify", join(out, "dist", b)], { env: { WHEELBARROW_FROM_SOURCE: "1" } });
run("sha256sum", ["-c", "SHA256SUMS"], { cwd: join(out, "dist") });

step(5, "installing this machine's bundle with no network");
const mine = bundles.find((b) => b.includes(`manylinux_2_17_${host.machine}`) && b.endsWith(".tar.gz"));
if (!mine) throw new Error(`no bundle for ${hostTarget} in ${bundles.join(", ")}`);
mkdirSync(join(out, "unpacked"), { recursive: true });
execFileSync("tar", ["-xzf", join(out, "dist", mine), "-C", join(out, "unpacked")]);
const unpacked = join(out, "unpacked", mine.replace(/\.tar\.gz$/, ""));
const dest = join(out, "installed", "shop");
mkdirSync(join(out, "installed"), { recursive: true });
const installCmd = ["sh", join(unpacked, "install.sh"), dest];
if (canUnshare()) {
  process.stderr.write("  (inside `unshare -n`: this process has no network at all)\n");
  run("unshare", ["-n", ...installCmd]);
} else {
  process.stderr.write("  (unshare -n is not available here; installing without it)\n");
  run(installCmd[0]!, installCmd.slice(1));
}

step(6, "running the installed app");
run(join(dest, "bin", "shop"), []);

process.stderr.write(`
Done. Where everything is:
  bundles:        ${relative(root, join(out, "dist"))}/ (${bundles.join(", ")})
  index served:   ${relative(root, join(out, "index"))}/
  download cache: ${relative(root, join(out, "cache"))}/
  installed app:  ${relative(root, dest)}/ (current -> releases/…, shared/, bin/shop)
`);
