import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/**
 * Issue 14, item 8: every package with an install script is reviewed and pinned in
 * package.json's allowScripts, and CI (lib/ops/check-install-scripts.mjs) fails on a new one.
 */
const exec = promisify(execFile);
const SCRIPT = path.join(process.cwd(), "lib/ops/check-install-scripts.mjs");

async function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [SCRIPT, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let fixture: string;

beforeEach(async () => {
  fixture = await mkdtemp(path.join(tmpdir(), "postkamer-install-scripts-"));
});

afterEach(async () => {
  await rm(fixture, { recursive: true, force: true });
});

const registry = (name: string, version: string) => `https://registry.npmjs.org/${name}/-/${name.split("/").pop()}-${version}.tgz`;

async function project(allowScripts: Record<string, boolean>, packages: Record<string, { version: string; resolved?: string | null }>) {
  const lockPackages: Record<string, object> = { "": { name: "fixture", version: "1.0.0" } };
  for (const [name, { version, resolved }] of Object.entries(packages)) {
    lockPackages[`node_modules/${name}`] = {
      version,
      ...(resolved === null ? {} : { resolved: resolved ?? registry(name, version) }),
      integrity: "sha512-x",
      hasInstallScript: true,
    };
  }
  lockPackages["node_modules/quiet"] = { version: "1.0.0", resolved: registry("quiet", "1.0.0"), integrity: "sha512-x" };
  await writeFile(path.join(fixture, "package.json"), JSON.stringify({ name: "fixture", version: "1.0.0", allowScripts }));
  await writeFile(path.join(fixture, "package-lock.json"), JSON.stringify({ name: "fixture", lockfileVersion: 3, packages: lockPackages }));
}

describe("install scripts", () => {
  it("are all reviewed and pinned for this project", async () => {
    const result = await check();
    expect(result.stderr).not.toContain("not reviewed");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/all \d+ packages with install scripts are reviewed \(\d+ allowed, pinned; \d+ denied\)/);
  });

  it("fail the check when a package brings a new install script, naming it", async () => {
    await project({ "esbuild@0.28.2": true }, { esbuild: { version: "0.28.2" }, "@evil/postinstall": { version: "6.6.6" } });
    const result = await check("--root", fixture, "--no-npm");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("@evil/postinstall@6.6.6: install script not reviewed");
    expect(result.stderr).not.toContain("esbuild");
  });

  it("fail the check for an approval by name only, or for a version other than the reviewed one", async () => {
    await project({ esbuild: true, "node@24.20.0": true }, { esbuild: { version: "0.28.2" }, node: { version: "24.21.0" } });
    const result = await check("--root", fixture, "--no-npm");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('esbuild@0.28.2: approved by name only ("esbuild")');
    expect(result.stderr).toContain("node@24.21.0: install script not reviewed");
  });

  it("fail the check when npm could not verify a pin (no registry URL in the lockfile)", async () => {
    await project({ "esbuild@0.28.2": true }, { esbuild: { version: "0.28.2", resolved: null } });
    const result = await check("--root", fixture, "--no-npm");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no registry URL ("resolved")');
  });

  it("pass for pinned approvals and explicit denials", async () => {
    await project({ "esbuild@0.28.1 || 0.28.2": true, telemetry: false }, { esbuild: { version: "0.28.2" }, telemetry: { version: "1.0.0" } });
    expect((await check("--root", fixture, "--no-npm")).code).toBe(0);
  });
});
