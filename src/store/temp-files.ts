/**
 * Temp files and directories of this process: how they are named, the registry that lets a
 * signal or a crash remove them, and the sweep that removes the ones a killed run left behind.
 *
 * Name: `<base>.tmp-<pid>-<random>` (an optional suffix may follow, e.g. `-old`). The pid says
 * who owns it: a later run removes a temp whose owner is no longer a live process, and one
 * older than STALE_AFTER_MS whoever owns it (a pid can be reused by an unrelated process).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

/** A temp no run of ours keeps longer than this (a bundle run takes minutes, not days). */
export const STALE_AFTER_MS = 7 * 24 * 3600 * 1000;

const TEMP_NAME = /\.tmp-(\d+)-[0-9a-f]+(?:-[a-z]+)?$/;

const live = new Set<string>();

/** A fresh temp name next to `base` (same directory, so a rename publishes it). Registered. */
export function tempName(base: string): string {
  const p = `${base}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  live.add(p);
  return p;
}

/** Register a path to remove if the process is interrupted. */
export function trackTemp(path: string): void {
  live.add(path);
}

/** The temp was renamed into place or removed: nothing to clean up any more. */
export function untrackTemp(path: string): void {
  live.delete(path);
}

/** Synchronously remove every registered temp (signal and crash handlers call this). */
export function removeTrackedTemps(): void {
  for (const p of live) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      /* best effort: a later run sweeps what is left */
    }
  }
  live.clear();
}

/** The owning pid of a temp name, or null when `name` is not one of ours. */
export function tempOwner(name: string): number | null {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[1]) : null;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Should a temp with this name and mtime, found on disk, be removed? */
export function isStaleTemp(name: string, mtimeMs: number, nowMs: number, isAlive: (pid: number) => boolean = alive): boolean {
  const pid = tempOwner(name);
  if (pid === null || pid === process.pid) return false;
  return !isAlive(pid) || nowMs - mtimeMs > STALE_AFTER_MS;
}

/**
 * Remove stale temps directly in `dir` whose name passes `filter` (not recursive). Returns the
 * removed paths. A missing directory is fine.
 */
export function sweepStaleTemps(dir: string, filter: (name: string) => boolean, nowMs = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!filter(name) || tempOwner(name) === null) continue;
    const p = join(dir, name);
    try {
      if (!isStaleTemp(name, statSync(p).mtimeMs, nowMs)) continue;
      rmSync(p, { recursive: true, force: true });
      removed.push(p);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}
