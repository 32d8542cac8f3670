import { describe, expect, it, vi } from "vitest";
import { parseConfig } from "@/lib/config.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { WEB_SERVER_ARGS, webServerArgs } from "@/lib/ops/processes.ts";

/** Issue 14, item 7: the smaller findings. */

const maildev = vi.hoisted(() => ({ loaded: false, started: 0 }));
vi.mock("maildev", () => {
  maildev.loaded = true;
  return {
    MailDev: class {
      start() {
        maildev.started++;
        return Promise.resolve();
      }
      stop() {
        return Promise.resolve();
      }
    },
  };
});

function serverForm(overrides: Record<string, unknown>) {
  return serverFormSchema.safeParse({
    name: "Eigen Exchange",
    type: "GENERIC",
    host: "smtp.klant.example",
    port: "587",
    tlsMode: "STARTTLS",
    authMethod: "PASSWORD",
    username: "verzuim@klant.example",
    password: "Wachtwoord-1",
    managedBy: "WERKGEVER",
    ...overrides,
  });
}

describe("the SMTP user name", () => {
  it.each([
    ["a line break", "verzuim@klant.example\r\nRSET"],
    ["a bare LF", "verzuim\nAUTH PLAIN"],
    ["a NUL", "verzuim\u0000admin"],
    ["a tab", "verzuim\tadmin"],
    ["DEL", "verzuim\u007f"],
    ["a line separator", "verzuim\u2028admin"],
  ])("refuses %s", (_what, username) => {
    const result = serverForm({ username });
    expect(result.success).toBe(false);
    expect(result.error!.issues).toContainEqual(expect.objectContaining({ path: ["username"], message: "validation.controlCharacters" }));
  });

  it("accepts an ordinary one", () => {
    expect(serverForm({ username: "apikey" }).success).toBe(true);
  });
});

describe("HOST", () => {
  it("makes the web server listen on that interface only; unset it listens on all, as before", () => {
    expect(webServerArgs({ port: 3000, host: parseConfig({ HOST: "127.0.0.1" }).HOST })).toEqual([...WEB_SERVER_ARGS, "-p", "3000", "-H", "127.0.0.1"]);
    expect(webServerArgs({ port: 3000, host: parseConfig({}).HOST })).toEqual([...WEB_SERVER_ARGS, "-p", "3000"]);
    expect(webServerArgs({ port: 3000, dev: true, host: parseConfig({ HOST: "127.0.0.1" }).HOST })).toEqual([
      expect.stringMatching(/next$/),
      "dev",
      "-p",
      "3000",
      "-H",
      "127.0.0.1",
    ]);
    expect(() => parseConfig({ HOST: "127.0.0.1; rm -rf /" })).toThrow(/HOST/);
  });

  it("TRUSTED_PROXIES accepts addresses and CIDR ranges only", () => {
    expect(parseConfig({ TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8, fd00::/8" }).TRUSTED_PROXIES).toBeTruthy();
    expect(() => parseConfig({ TRUSTED_PROXIES: "proxy.internal" })).toThrow(/TRUSTED_PROXIES/);
    expect(() => parseConfig({ TRUSTED_PROXIES: "10.0.0.0/40" })).toThrow(/TRUSTED_PROXIES/);
  });
});

describe("maildev", () => {
  it("is loaded only when trial mode starts the mail catcher", async () => {
    const { startMailCatcher } = await import("@/lib/mailcatcher/catcher.ts");
    expect(maildev.loaded).toBe(false);
    await (await startMailCatcher({ smtpPort: 1, webPort: 2 })).stop();
    expect(maildev).toEqual({ loaded: true, started: 1 });
  });
});
