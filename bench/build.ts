import { existsSync } from "node:fs";
import { readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureBuild, sourceFingerprint } from "@/lib/ops/processes.ts";

/**
 * Where the bench's production build goes. Inside node_modules/.cache because that is ignored by
 * git, ESLint (`npm run lint` lints `.`, and only `.next/**` and `.next-test/**` are ignored) and
 * tsc, and Next.js requires the dist dir to be inside the project. A `.next-bench` folder at the
 * root would make `npm run lint` lint the whole compiled app.
 */
export const BENCH_DIST_DIR = "node_modules/.cache/postkamer-bench/next";

type Snapshot = { path: string; bytes: Buffer | null; atime?: Date; mtime?: Date };

async function snapshot(path: string): Promise<Snapshot> {
  if (!existsSync(path)) return { path, bytes: null };
  const info = await stat(path);
  return { path, bytes: await readFile(path), atime: info.atime, mtime: info.mtime };
}

/**
 * `next build` adds its dist dir's type globs to tsconfig.json and points next-env.d.ts at it.
 * Those files belong to the project, not to the bench: put them back exactly (bytes and mtime,
 * so the build fingerprints of `npm test` and `npm start` stay valid), but only when nobody else
 * changed them meanwhile in any other way.
 */
async function restore(before: Snapshot, distDir: string, log: (line: string) => void): Promise<void> {
  if (!before.bytes) return;
  const now = existsSync(before.path) ? await readFile(before.path) : null;
  if (now && now.equals(before.bytes)) return;
  const onlyOurs =
    now !== null &&
    (before.path.endsWith("next-env.d.ts")
      ? now.toString("utf8").includes(distDir)
      : onlyAddedIncludes(before.bytes.toString("utf8"), now.toString("utf8"), distDir));
  if (!onlyOurs) {
    log(`note: ${before.path} changed during the build in a way the bench did not expect; left as it is`);
    return;
  }
  await writeFile(before.path, before.bytes);
  await utimes(before.path, before.atime!, before.mtime!);
}

function onlyAddedIncludes(before: string, after: string, distDir: string): boolean {
  try {
    const a = JSON.parse(before) as { include?: string[] };
    const b = JSON.parse(after) as { include?: string[] };
    b.include = (b.include ?? []).filter((entry) => !entry.startsWith(distDir));
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

/** ensureBuild() into BENCH_DIST_DIR, leaving tsconfig.json and next-env.d.ts as they were. */
export async function ensureBenchBuild(root: string, log: (line: string) => void): Promise<void> {
  const files = await Promise.all([snapshot(join(root, "tsconfig.json")), snapshot(join(root, "next-env.d.ts"))]);
  try {
    await ensureBuild(root, BENCH_DIST_DIR, log);
  } finally {
    for (const file of files) await restore(file, BENCH_DIST_DIR, log);
  }
  // ensureBuild fingerprinted the sources with Next's edits in them; record the restored state
  // so the next run does not build again for nothing.
  const marker = join(root, BENCH_DIST_DIR, "postkamer-build.json");
  if (existsSync(marker)) {
    const previous = JSON.parse(await readFile(marker, "utf8")) as Record<string, unknown>;
    await writeFile(marker, JSON.stringify({ ...previous, fingerprint: await sourceFingerprint(root) }));
  }
}
