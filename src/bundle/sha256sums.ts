/**
 * SHA256SUMS in `sha256sum -c` format: `<64 hex>  <path>` per line, sorted by path, `\n` endings.
 * Paths that sha256sum would escape (backslash, newline) are refused earlier (app-source.ts), so
 * no escaping is ever needed. The reader also accepts the binary marker (`<hex> *<path>`).
 * Pure: no I/O.
 */

export interface SumLine {
  path: string;
  sha256: string;
}

export function formatSha256Sums(entries: SumLine[]): string {
  return [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => `${e.sha256}  ${e.path}\n`)
    .join("");
}

export interface ParsedSums {
  entries: SumLine[];
  /** "line N: why" for every line that is not a checksum line. */
  problems: string[];
}

export function parseSha256Sums(text: string): ParsedSums {
  const entries: SumLine[] = [];
  const problems: string[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  lines.forEach((line, i) => {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) problems.push(`line ${i + 1} is not a '<sha256>  <path>' line: ${JSON.stringify(line.slice(0, 120))}`);
    else entries.push({ sha256: m[1] as string, path: m[2] as string });
  });
  return { entries, problems };
}
