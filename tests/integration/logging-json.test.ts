import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "@/lib/log/logger.ts";

/** Production logs: one JSON object per line, with the delivery's fields, secrets and recipients masked. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe("structured logs", () => {
  it("writes one JSON line per event with message id, server id, attempt and outcome; secrets and addresses masked", () => {
    const out = capture();
    const err = capture();
    const log = createLogger({ out: out.stream, err: err.stream, format: "json" });

    log.info("message handed over", { messageId: "m-1", serverId: "s-1", attempt: 2, outcome: "SENT", to: ["jan.devries@example.nl"], password: "hunter2" });
    log.warn("delivery failed", { messageId: "m-2", error: new Error("550 5.1.1 <piet@klant.example>: user unknown"), apiKey: "pk_live_secret" });

    expect(out.lines).toHaveLength(1);
    expect(err.lines).toHaveLength(1);
    const info = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    expect(info).toMatchObject({ level: "info", message: "message handed over", messageId: "m-1", serverId: "s-1", attempt: 2, outcome: "SENT" });
    expect(new Date(info.at as string).getTime()).not.toBeNaN();
    expect(info.to).toEqual(["j•••@example.nl"]);
    expect(info.password).toBe("••••");
    const warn = JSON.parse(err.lines[0]!) as Record<string, { message?: string } | string>;
    expect(warn.level).toBe("warn");
    expect((warn.error as { message: string }).message).toBe("550 5.1.1 <p•••@klant.example>: user unknown");
    expect(warn.apiKey).toBe("••••");
    const all = [...out.lines, ...err.lines].join("\n");
    for (const secret of ["hunter2", "pk_live_secret", "jan.devries@", "piet@"]) expect(all).not.toContain(secret);
  });
});
