/** Plain-text tables and byte sizes for the human output of inspect and diff. */
import { terminalSafe } from "../text/terminal-safe.js";

/** Cells come from manifests: each is escaped for the terminal (see terminal-safe.ts). */
export function table(cells: string[][], indent = ""): string {
  const rows = cells.map((r) => r.map(terminalSafe));
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd() + "\n").join("");
}

/** SI units, one decimal: 512 B, 12.3 kB, 4.0 MB. */
export { formatBytes } from "../util/format-bytes.js";
