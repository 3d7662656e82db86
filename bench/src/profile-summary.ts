// Summarizes a V8 .cpuprofile (node --cpu-prof) as markdown: where the time goes, by function
// (self and inclusive) and by module. Also runnable: `npx tsx bench/src/profile-summary.ts x.cpuprofile`.
// Frames in a bundle with a source map beside it (the gateway's dist/server.js) are shown at their
// source file and line, so modules stay apart.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** Rewrites frames of bundles that have a `<file>.map` to their original source file and line. */
function mapToSources(nodes: ProfileNode[]): void {
  const maps = new Map<string, { map: SourceMap; dir: string } | undefined>();
  for (const node of nodes) {
    const { url, lineNumber, columnNumber } = node.callFrame;
    if (!url.startsWith("file:") || lineNumber < 0) continue;
    if (!maps.has(url)) {
      const file = fileURLToPath(url);
      const mapFile = `${file}.map`;
      maps.set(
        url,
        existsSync(mapFile)
          ? { map: new SourceMap(JSON.parse(readFileSync(mapFile, "utf8"))), dir: dirname(mapFile) }
          : undefined,
      );
    }
    const bundle = maps.get(url);
    const entry = bundle?.map.findEntry(lineNumber, columnNumber);
    if (!bundle || !entry || !("originalSource" in entry)) continue;
    node.callFrame.url = resolve(bundle.dir, entry.originalSource);
    node.callFrame.lineNumber = entry.originalLine;
  }
}

function where(url: string): string {
  if (!url) return "(native)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return `npm:${rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const src = /\/(apps|packages)\/([^/]+)\/(.*)$/.exec(url);
  if (src) return `${src[1]}/${src[2]}/${src[3]}`;
  if (url.startsWith("node:")) return url;
  return basename(url);
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || "(anonymous)";
  return url ? `${name} ${where(url)}:${lineNumber + 1}` : name;
}

function moduleOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  return where(url).replace(/^(npm:[^/]+(\/[^/]+)?).*$/, "$1");
}

export function summarizeProfile(path: string, top = 25): string {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  mapToSources(profile.nodes);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const totalHits = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
  const msPerHit = totalMs / totalHits;

  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    self.set(label(node), (self.get(label(node)) ?? 0) + hits);
    modules.set(moduleOf(node), (modules.get(moduleOf(node)) ?? 0) + hits);
  }
  // Inclusive: every function's own time plus its callees', counted once per stack even when recursive.
  const inclusive = new Map<string, number>();
  const root = profile.nodes[0];
  const walk = (node: ProfileNode, onStack: Set<string>): number => {
    let hits = node.hitCount ?? 0;
    const key = label(node);
    const fresh = !onStack.has(key);
    if (fresh) onStack.add(key);
    for (const id of node.children ?? []) {
      const child = byId.get(id);
      if (child) hits += walk(child, onStack);
    }
    if (fresh) {
      onStack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + hits);
    }
    return hits;
  };
  if (root) walk(root, new Set());

  const idle = self.get("(idle)") ?? 0;
  const busy = totalHits - idle;
  const table = (title: string, entries: Map<string, number>, denominator: number) => {
    const rows = [...entries.entries()]
      .filter(([name]) => name !== "(idle)" && name !== "(root)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, hits]) =>
          `| ${((100 * hits) / denominator).toFixed(1)}% | ${(hits * msPerHit).toFixed(0)} | \`${name.replaceAll("|", "\\|")}\` |`,
      );
    return [`### ${title}`, "", "| % of busy | ms | where |", "| ---: | ---: | --- |", ...rows, ""].join(
      "\n",
    );
  };
  return [
    `## ${basename(path)}`,
    "",
    `Profiled ${totalMs.toFixed(0)} ms, busy ${(busy * msPerHit).toFixed(0)} ms (idle excluded from the percentages).`,
    "",
    table("By module (self time)", modules, busy),
    table("By function, self time", self, busy),
    table("By function, inclusive time", inclusive, busy),
  ].join("\n");
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  for (const file of process.argv.slice(2)) {
    const text = summarizeProfile(file);
    writeFileSync(file.replace(/\.cpuprofile$/, ".md"), `${text}\n`);
    process.stdout.write(`${text}\n`);
  }
}
