// Bundles a server app's `src/server.ts` into `dist/server.js` (ESM, Node 20, with a source map),
// which production runs as `node --enable-source-maps dist/server.js`:
//   node scripts/build-server.mjs <appDir> [--outfile <file>]     (appDir defaults to the current folder)
// The workspace packages (@gw/*, TypeScript source) are bundled. Every other package stays external
// and is loaded from node_modules at run time; the build fails if the bundle's folder would resolve
// such an import to another file than the importing source does (a package installed under one
// workspace package only), so what runs is what the source imports.
import { mkdirSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const WORKSPACE_SCOPE = "@gw/";

/** @param {string} outdir */
function externalPackages(outdir) {
  return {
    name: "external-packages",
    /** @param {import("esbuild").PluginBuild} pluginBuild */
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^[^./#]/ }, async (args) => {
        if (args.pluginData?.probe || args.path.startsWith(WORKSPACE_SCOPE)) return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const from = (resolveDir) =>
          pluginBuild.resolve(args.path, { kind: args.kind, resolveDir, pluginData: { probe: true } });
        const [source, bundle] = await Promise.all([from(args.resolveDir), from(outdir)]);
        // What the source itself cannot resolve (an optional import) is left to fail as it would.
        if (source.errors.length === 0 && (bundle.errors.length > 0 || bundle.path !== source.path)) {
          const where = bundle.errors.length > 0 ? "nothing" : relative(process.cwd(), bundle.path);
          return {
            errors: [
              {
                text: `"${args.path}" resolves to ${relative(process.cwd(), source.path)} from its importer but to ${where} from ${relative(process.cwd(), outdir)}: install it where both find it (hoisted), or declare it in the app`,
              },
            ],
          };
        }
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * Builds `<appDir>/src/server.ts` into `outfile` (default `<appDir>/dist/server.js`) plus its `.map`.
 * Returns the path of the bundle.
 * @param {string} appDir
 * @param {{ outfile?: string }} [options]
 */
export async function buildServer(appDir, options = {}) {
  const outfile = resolve(options.outfile ?? join(appDir, "dist/server.js"));
  // The bundle's folder must exist for imports to be resolved from it.
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(resolve(appDir), "src/server.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Stack traces need file names and lines, not the sources: a smaller map, less memory.
    sourcemap: true,
    sourcesContent: false,
    plugins: [externalPackages(dirname(outfile))],
    logLevel: "warning",
  });
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    options: { outfile: { type: "string" } },
    allowPositionals: true,
  });
  const started = performance.now();
  try {
    const outfile = await buildServer(positionals[0] ?? process.cwd(), values);
    console.log(`built ${relative(process.cwd(), outfile)} in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    // esbuild has printed its own errors, with their source locations.
    if (!Array.isArray(error?.errors)) console.error(error);
    process.exitCode = 1;
  }
}
