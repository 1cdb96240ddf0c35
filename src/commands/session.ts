/**
 * The I/O edge of `lock` and `bundle`, built once per run: one Net (dispatcher, proxy, TLS,
 * credentials), the cache, the sources (index-url, extra-index-urls, find-links in that order,
 * first source that has a project wins) and the reporter. Closed when the command ends.
 */
import type { Context } from "../context.js";
import type { Reporter } from "../model/reporter.js";
import { silentLogger, silentProgress } from "../download/reporter.js";
import { createNet, type Net } from "../net/dispatcher.js";
import { Sources } from "../index/sources.js";
import { Cache } from "../store/cache.js";
import { terminalSafeText } from "../text/terminal-safe.js";
import type { PlanSource } from "../plan/types.js";
import type { RunSettings } from "./settings.js";

export interface Session {
  net: Net;
  cache: Cache;
  sources: Sources;
  planSource: PlanSource;
  reporter: Reporter;
  close(): Promise<void>;
}

function warningsOnly(ctx: Context, quiet: boolean): Reporter {
  return { progress: silentProgress, log: { ...silentLogger, warn: (m) => void (quiet ? undefined : ctx.stderr.write(`warning: ${terminalSafeText(m)}\n`)) } };
}

/** `opts` has every settings layer applied (settings.ts); nothing here ranks them again. */
export async function openSession(opts: RunSettings, ctx: Context): Promise<Session> {
  const reporter = ctx.makeReporter ? ctx.makeReporter({ progress: opts.progress && !opts.json, quiet: opts.quiet, verbose: opts.verbose }) : warningsOnly(ctx, opts.quiet);
  const chosen = opts.indexes;
  const fileOptions = opts.requirementsOptions;
  const net = createNet({
    proxies: opts.proxies,
    env: ctx.env,
    cert: opts.cert,
    clientCert: opts.clientCert,
    offline: opts.offline,
    log: opts.verbose ? (m) => reporter.log.verbose(m) : undefined,
  });
  if (!opts.namedIndexUrl && fileOptions.indexUrl && (ctx.env["WHEELBARROW_INDEX_USERNAME"] || ctx.env["WHEELBARROW_INDEX_PASSWORD"])) {
    reporter.log.warn(`WHEELBARROW_INDEX_USERNAME/_PASSWORD are not sent to ${net.displayUrl(fileOptions.indexUrl)}, the index a requirements file chose; pass it with --index-url to use them there`);
  }
  const cache = new Cache(opts.cacheDir);
  cache.sweepStaleTemps();
  const sources = new Sources(
    {
      indexUrl: chosen.indexUrl,
      extraIndexUrls: chosen.extraIndexUrls,
      findLinks: chosen.findLinks,
      noIndex: chosen.noIndex,
      pinned: opts.pinnedProjects,
      namedIndexes: opts.namedIndexes,
      indexStrategy: opts.indexStrategy,
      // The environment's credentials are for the index the user named, not one a requirements file chose.
      envCredentialsToPrimary: opts.namedIndexUrl !== undefined || fileOptions.indexUrl === undefined,
    },
    net,
    cache,
    { cwd: opts.cwd, reporter },
  );
  return {
    net,
    cache,
    sources,
    planSource: { getProject: (n) => sources.getProject(n), fetchMetadata: (f) => sources.fetchMetadata(f as Parameters<Sources["fetchMetadata"]>[0]) },
    reporter,
    close: () => net.close(),
  };
}
