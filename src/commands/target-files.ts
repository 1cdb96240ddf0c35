/**
 * The targets of a run: every `--target` and every `--target-file FILE[@PYTHON]` (a target.json
 * from probe.sh, read here with a size bound and parsed by src/targets/target-file.ts). A spec
 * given twice is planned once (the first wins).
 */
import { openSync, readSync, closeSync, fstatSync } from "node:fs";
import { resolve } from "node:path";
import { WbError } from "../errors.js";
import { parseTargets } from "../targets/parse-target.js";
import { TARGET_FILE_MAX_BYTES, parseTargetFile, splitTargetFileArg } from "../targets/target-file.js";
import type { Target } from "../targets/target.js";

/** A target.json's text: a regular file of at most TARGET_FILE_MAX_BYTES (E_USAGE otherwise). */
export function readTargetFile(path: string, shown: string): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new WbError("E_USAGE", `cannot read --target-file ${shown}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      hint: ["make it on the target machine: sh probe.sh > target.json (`wheelbarrow probe --script` prints probe.sh)"],
      details: { file: shown },
    });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new WbError("E_USAGE", `--target-file ${shown} is not a file`, { details: { file: shown } });
    if (st.size > TARGET_FILE_MAX_BYTES) throw new WbError("E_USAGE", `--target-file ${shown} has ${st.size} bytes; a target description from probe.sh is far smaller (at most ${TARGET_FILE_MAX_BYTES})`, { details: { file: shown } });
    const buf = Buffer.alloc(Math.min(st.size, TARGET_FILE_MAX_BYTES) + 1);
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, n);
    if (n > TARGET_FILE_MAX_BYTES) throw new WbError("E_USAGE", `--target-file ${shown} is larger than ${TARGET_FILE_MAX_BYTES} bytes`, { details: { file: shown } });
    return buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

export interface RunTargets {
  targets: Target[];
  /** Where a probed machine and the target model disagree (tags, markers). */
  warnings: string[];
}

export function runTargets(opts: { targets: readonly string[]; targetFiles: readonly string[]; embedPython: boolean; cwd: string }): RunTargets {
  const targets = parseTargets(opts.targets);
  const seen = new Set(targets.map((t) => t.spec));
  const warnings: string[] = [];
  for (const value of opts.targetFiles) {
    const { file, python } = splitTargetFileArg(value);
    const text = readTargetFile(resolve(opts.cwd, file), file);
    const r = parseTargetFile(text, { file, input: value, python, embedPython: opts.embedPython });
    warnings.push(...r.warnings);
    if (seen.has(r.target.spec)) continue;
    seen.add(r.target.spec);
    targets.push(r.target);
  }
  return { targets, warnings };
}
