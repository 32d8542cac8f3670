import { beforeEach, describe, expect, it } from "vitest";
import { takeLease } from "@/lib/delivery/claim.ts";
import { beat, DEAD_AFTER_SECONDS, orphanedServers } from "@/lib/delivery/liveness.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { loopbackServer } from "../support/delivery.ts";

/**
 * Worker liveness: a drain held by a worker on another machine that stopped beating is free
 * after DEAD_AFTER_SECONDS, while a beating worker keeps its drain however slow its hand-over.
 */
beforeEach(() => resetDatabase());

async function heldBy(holder: string, port = 2525) {
  const server = await loopbackServer(testDb(), port);
  await testDb().mailServer.update({ where: { id: server.id }, data: { drainHolder: holder, drainLeaseUntil: new Date(Date.now() + 300_000) } });
  return server;
}

describe("worker liveness", () => {
  it("frees the drain of a worker elsewhere that stopped beating, and only that one", async () => {
    const dead = await heldBy("elders.example:4242:abc:1");
    await testDb().workerProcess.create({ data: { id: "elders.example:4242:abc", heartbeatAt: new Date(Date.now() - (DEAD_AFTER_SECONDS + 1) * 1000) } });
    const alive = await heldBy("elders.example:4343:def:1", 2526);
    await beat(testDb(), "elders.example:4343:def");

    expect(await orphanedServers(testDb())).toEqual([dead.id]);
    expect(await takeLease(testDb(), dead.id, "here:1:x:1")).toEqual({ leased: true });
    expect(await takeLease(testDb(), alive.id, "here:1:x:2")).toMatchObject({ leased: false });
  });

  it("keeps the lease for a holder without a heartbeat row (tools, tests) until it lapses", async () => {
    const server = await heldBy("some-tool");
    expect(await orphanedServers(testDb())).toEqual([]);
    expect(await takeLease(testDb(), server.id, "here:1:x:1")).toMatchObject({ leased: false });
  });

  it("treats a worker on this machine whose process is gone as dead at once", async () => {
    const { hostname } = await import("node:os");
    // A pid far above any in use here.
    const gone = `${hostname()}:4194000:zzz`;
    const server = await heldBy(`${gone}:1`);
    await beat(testDb(), gone);
    expect(await orphanedServers(testDb())).toEqual([server.id]);
  });
});
