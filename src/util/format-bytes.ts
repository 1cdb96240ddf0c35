/**
 * Human sizes. SI (1000: "12.3 kB") for sizes of things (inspect, diff); IEC (1024: "3.5 KiB")
 * for transfer progress, as download tools print it.
 */
export function formatBytes(n: number, base: 1000 | 1024 = 1000): string {
  if (n < base) return `${n} B`;
  const units = base === 1000 ? ["kB", "MB", "GB", "TB"] : ["KiB", "MiB", "GiB", "TiB"];
  let v = n / base;
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${base === 1024 && v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
