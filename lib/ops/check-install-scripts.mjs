#!/usr/bin/env node
// Fails when a package in package-lock.json has an install script (preinstall, install,
// postinstall) that package.json's "allowScripts" does not cover with a reviewed, pinned entry.
//
//   node lib/ops/check-install-scripts.mjs [--root <dir>] [--no-npm]
//
// npm 11.16+ reads "allowScripts" ({ "name@1.2.3": true } allows that version's scripts,
// { "name": false } denies every version) and warns about the rest; npm 12 skips unreviewed
// install scripts, after which `npm install && npm start` would miss Node 24 and the embedded
// PostgreSQL. This check runs in CI on any npm, from the lockfile alone, for every platform's
// packages (not only the ones installed here), and is stricter than npm in two ways:
// - an approval must be pinned to versions (a bare name would let any future version run);
// - a pinned package needs its registry URL in the lockfile ("resolved"), which is where npm
//   takes the version it trusts from; without it npm cannot match the pin (.npmrc keeps it).
// Where npm itself knows `npm install-scripts ls`, its verdict is checked as well.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const rootAt = args.indexOf("--root");
const root = resolve(rootAt >= 0 ? args[rootAt + 1] : process.cwd());
const askNpm = !args.includes("--no-npm");

const readJson = (file) => JSON.parse(readFileSync(join(root, file), "utf8"));
const manifest = readJson("package.json");
const lock = readJson("package-lock.json");
const policy = manifest.allowScripts ?? {};

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** "name", "name@1.2.3" or "name@1.2.3 || 1.2.4" (scoped names start with "@"). */
function parseKey(key) {
  const at = key.indexOf("@", 1);
  if (at < 0) return { name: key, versions: null };
  const versions = key
    .slice(at + 1)
    .split("||")
    .map((part) => part.trim());
  return { name: key.slice(0, at), versions: versions.every((v) => EXACT_VERSION.test(v)) ? versions : undefined };
}

/** The package's real name and version, from its registry URL when there is one (as npm does). */
function identityOf(path, entry) {
  const url = entry.resolved;
  const match = typeof url === "string" ? /^https?:\/\/[^/]+\/((?:@[^/]+\/)?[^/]+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(url) : null;
  if (match) return { name: decodeURIComponent(match[1]), version: match[2], verifiable: true };
  return { name: entry.name ?? path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length), version: entry.version, verifiable: false };
}

function scriptsOf(path) {
  try {
    const scripts = JSON.parse(readFileSync(join(root, path, "package.json"), "utf8")).scripts ?? {};
    return ["preinstall", "install", "postinstall"]
      .filter((name) => scripts[name])
      .map((name) => `${name}: ${scripts[name]}`)
      .join(", ");
  } catch {
    return "";
  }
}

const problems = [];
const used = new Set();
for (const [key, value] of Object.entries(policy)) {
  if (value !== true && value !== false) problems.push(`allowScripts["${key}"] must be true or false.`);
  if (value === true && parseKey(key).versions === undefined)
    problems.push(`allowScripts["${key}"]: only exact versions (joined by ||) can be reviewed, not ranges or tags.`);
}

const withScripts = Object.entries(lock.packages ?? {}).filter(([path, entry]) => path && entry.hasInstallScript && !entry.link);
for (const [path, entry] of withScripts) {
  const { name, version, verifiable } = identityOf(path, entry);
  const entries = Object.entries(policy)
    .map(([key, value]) => ({ key, value, ...parseKey(key) }))
    .filter((e) => e.name === name);
  const denied = entries.find((e) => e.value === false && (e.versions === null || e.versions?.includes(version)));
  const pinned = entries.find((e) => e.value === true && e.versions?.includes(version));
  const unpinned = entries.find((e) => e.value === true && e.versions === null);
  for (const e of [denied, pinned].filter(Boolean)) used.add(e.key);
  const what = `${name}@${version}${scriptsOf(path) ? ` (${scriptsOf(path)})` : ""}`;
  if (denied) continue;
  if (!pinned) {
    problems.push(
      unpinned
        ? `${what}: approved by name only ("${unpinned.key}"); pin the reviewed version: "${name}@${version}": true.`
        : `${what}: install script not reviewed. Read it, then add "${name}@${version}": true to "allowScripts" in package.json (npm install-scripts approve ${name}), or deny it with "${name}": false.`,
    );
  } else if (!verifiable) {
    problems.push(
      `${what}: package-lock.json has no registry URL ("resolved") for ${path}, so npm cannot match the pin; reinstall with omit-lockfile-registry-resolved=false (the project's .npmrc).`,
    );
  }
}

const stale = Object.keys(policy).filter((key) => !used.has(key));
for (const key of stale) console.warn(`note: allowScripts["${key}"] matches no package in package-lock.json (npm install-scripts prune removes it).`);

// npm's own view of what is installed here, where this npm knows it (11.16+).
if (askNpm && existsSync(join(root, "node_modules"))) {
  const npm = spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", ["install-scripts", "ls", "--json"], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  let report;
  try {
    report = npm.status === 0 ? JSON.parse(npm.stdout) : undefined;
  } catch {
    report = undefined;
  }
  if (report === undefined) console.warn("note: this npm has no `npm install-scripts ls`; checked from package-lock.json only.");
  for (const item of report?.allowScripts ?? []) {
    for (const change of item.changes ?? [])
      if (change.change === "pending") problems.push(`npm install-scripts ls: ${change.key} has an install script not covered by allowScripts.`);
  }
}

if (problems.length > 0) {
  console.error(`Install scripts not reviewed (${problems.length}):`);
  for (const problem of problems) console.error(`  - ${problem}`);
  console.error("See README › Security › Install scripts.");
  process.exit(1);
}
const denied = withScripts.filter(([path, entry]) => policy[identityOf(path, entry).name] === false).length;
console.log(
  `Install scripts: all ${withScripts.length} packages with install scripts are reviewed (${withScripts.length - denied} allowed, pinned; ${denied} denied).`,
);
