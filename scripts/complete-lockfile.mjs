#!/usr/bin/env node
// The npm registry these machines reach does not serve every platform's native binary of some
// packages (e.g. @biomejs/cli-darwin-arm64, @turbo/windows-64). npm then leaves those optional
// dependencies out of package-lock.json, and `npm ci` refuses the lockfile as out of sync.
// This adds each missing optional platform package with the os/cpu its name states, so `npm ci`
// accepts the lockfile everywhere and installs only the current platform's binary.
//
//   node scripts/complete-lockfile.mjs          fix package-lock.json
//   node scripts/complete-lockfile.mjs --check  exit 1 if entries are missing (used by lint)
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const check = process.argv.includes("--check");
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;

const osNames = {
  windows: "win32",
  win32: "win32",
  darwin: "darwin",
  linux: "linux",
  android: "android",
  freebsd: "freebsd",
  openbsd: "openbsd",
  netbsd: "netbsd",
  sunos: "sunos",
  aix: "aix",
};
const cpuNames = {
  x64: "x64",
  64: "x64",
  arm64: "arm64",
  arm: "arm",
  ia32: "ia32",
  32: "ia32",
  ppc64: "ppc64",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
  mips64el: "mips64el",
};

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const osIndex = parts.findIndex((part) => part in osNames);
  if (osIndex < 0) return undefined;
  const cpu = cpuNames[parts[osIndex + 1]];
  if (!cpu) return undefined;
  const libc = parts.includes("musl")
    ? ["musl"]
    : parts[0] === "cli" && parts[osIndex] === "linux"
      ? ["glibc"]
      : undefined;
  return { os: [osNames[parts[osIndex]]], cpu: [cpu], ...(libc ? { libc } : {}) };
}

const missing = [];
for (const [path, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    if (packages[`node_modules/${name}`] || packages[`${path}/node_modules/${name}`]) continue;
    const platform = platformOf(name);
    if (!platform) continue; // Not a platform binary: a real gap that npm install must fix.
    missing.push(name);
    packages[`node_modules/${name}`] = {
      version,
      ...(meta.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
  }
}

if (check) {
  if (missing.length > 0) {
    console.error(
      `package-lock.json lacks ${missing.length} platform packages (${missing.join(", ")}): run node scripts/complete-lockfile.mjs`,
    );
    process.exit(1);
  }
  process.exit(0);
}
const sorted = Object.keys(packages).sort((a, b) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b)));
lock.packages = Object.fromEntries(sorted.map((key) => [key, packages[key]]));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  missing.length ? `added ${missing.length}: ${missing.join(", ")}` : "package-lock.json is complete",
);
