// `wheelbarrow verify`: summary or JSON on stdout, E_BUNDLE (with --json also a document) on damage.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyCommand } from "../../src/commands/verify.js";
import { type BundleResult } from "../../src/bundle/write-bundle.js";
import { WbError } from "../../src/errors.js";
import { runCli } from "../helpers/run-cli.js";
import { bundleInput, fakeContext, makeInstallerDir, makePackages, removeTempDirs, tempDir } from "../bundle/helpers.js";
import { writeBundle } from "../helpers/bundle-api.js";

let root: string;
let bundle: BundleResult;

beforeAll(async () => {
  root = tempDir("wb-cmd-verify-");
  bundle = await writeBundle(bundleInput({ packages: await makePackages(join(root, "cache")), installerDir: makeInstallerDir(root), outDir: join(root, "dist") }));
});
afterAll(removeTempDirs);

describe("verify command", () => {
  it("prints one OK line for an intact bundle, resolving the path against ctx.cwd", async () => {
    const { ctx, out, err } = fakeContext(root);
    const rel = join("dist", `${bundle.stem}.tar.gz`);
    expect(await verifyCommand([rel], { json: false }, ctx)).toBe(0);
    expect(out()).toBe(`OK ${rel}: shop 2.3.0 for manylinux_2_28_x86_64@3.11, 3 packages, 13 files verified\n`);
    expect(err()).toBe("");
  });

  it("--json prints the report", async () => {
    const { ctx, out } = fakeContext(root);
    expect(await verifyCommand([bundle.path], { json: true }, ctx)).toBe(0);
    expect(JSON.parse(out())).toEqual({ ok: true, bundle: bundle.path, format: "tar.gz", stem: bundle.stem, name: "shop", version: "2.3.0", target: "manylinux_2_28_x86_64@3.11", packages: 3, files: 13 });
  });

  it("a damaged bundle throws E_BUNDLE; with --json the CLI prints it as one document on stdout", async () => {
    const copy = join(root, "copy.tar.gz");
    const bytes = readFileSync(bundle.path);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
    writeFileSync(copy, bytes);
    const { ctx, out } = fakeContext(root);
    const e = await verifyCommand(["copy.tar.gz"], { json: true }, ctx).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WbError);
    expect((e as WbError).format()).toBe(
      "error[E_BUNDLE]: copy.tar.gz is damaged or altered (1 file):\n  (archive): the gzip stream is damaged: its CRC-32 or length does not match the content\nhint: do not install it; fetch the bundle again from its source (or rebuild it) and verify that copy",
    );
    expect(out()).toBe("");
    const r = await runCli(["verify", "copy.tar.gz", "--json"], { cwd: root });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; bundle: string; problems: unknown[] } };
    expect(doc.ok).toBe(false);
    expect(doc.error.bundle).toBe("copy.tar.gz");
    expect(doc.error.code).toBe("E_BUNDLE");
    expect(doc.error.problems).toEqual([{ file: "(archive)", problems: ["the gzip stream is damaged: its CRC-32 or length does not match the content"] }]);
  });

  it("without --json nothing reaches stdout on failure; a missing argument is E_USAGE", async () => {
    const { ctx, out } = fakeContext(root);
    await expect(verifyCommand(["nope"], { json: false }, ctx)).rejects.toThrow("no such bundle: nope");
    await expect(verifyCommand([""], { json: false }, ctx)).rejects.toMatchObject({ code: "E_USAGE", message: "verify needs the bundle to check" });
    expect(out()).toBe("");
  });
});
