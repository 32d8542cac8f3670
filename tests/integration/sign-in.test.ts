import { beforeEach, describe, expect, it } from "vitest";
import { signInWithPassword } from "@/lib/auth/credentials.ts";
import { blockDurationMs, FREE_CLIENT_FAILURES, FREE_FAILURES } from "@/lib/auth/login-throttle.ts";
import { createUser } from "@/lib/users/mutations.ts";
import { seed } from "@/lib/ops/seed.ts";
import { resetDatabase, testDb } from "../support/db.ts";

const actor = { id: null, label: "test" };
const password = "correct horse battery staple";

describe("signing in with e-mail and password", () => {
  beforeEach(async () => {
    await resetDatabase();
    await seed(testDb(), { adminEmail: "admin@example.test", adminPassword: "admin-password-123" });
    const helpdesk = await testDb().role.findUniqueOrThrow({ where: { name: "Helpdesk" } });
    await createUser(testDb(), actor, { email: "anna@example.test", name: "Anna", password, roles: [helpdesk.id] });
  });

  it("accepts the right password, whatever the case of the address", async () => {
    const result = await signInWithPassword(testDb(), { email: " Anna@Example.TEST ", password, clientAddress: "192.0.2.1" });
    expect(result).toMatchObject({ ok: true, user: { email: "anna@example.test" } });
  });

  it("gives the same answer for a wrong password, an unknown account and a deactivated account", async () => {
    const wrong = await signInWithPassword(testDb(), { email: "anna@example.test", password: "nope", clientAddress: null });
    const unknown = await signInWithPassword(testDb(), { email: "nobody@example.test", password, clientAddress: null });
    await testDb().user.update({ where: { email: "anna@example.test" }, data: { active: false } });
    const inactive = await signInWithPassword(testDb(), { email: "anna@example.test", password, clientAddress: null });
    expect(wrong).toEqual({ ok: false, reason: "invalid" });
    expect(unknown).toEqual({ ok: false, reason: "invalid" });
    expect(inactive).toEqual({ ok: false, reason: "invalid" });
  });

  it(`slows down guessing after ${FREE_FAILURES} failures, also for the right password`, async () => {
    for (let i = 0; i < FREE_FAILURES + 1; i++) {
      await signInWithPassword(testDb(), { email: "anna@example.test", password: `guess-${i}`, clientAddress: "192.0.2.9" });
    }
    const blocked = await signInWithPassword(testDb(), { email: "anna@example.test", password, clientAddress: "192.0.2.10" });
    expect(blocked).toMatchObject({ ok: false, reason: "throttled" });
    expect((blocked as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
  });

  it("throttles an unknown address exactly like a known one, so it reveals nothing", async () => {
    for (let i = 0; i < FREE_FAILURES + 1; i++) {
      await signInWithPassword(testDb(), { email: "ghost@example.test", password: "x", clientAddress: null });
    }
    expect(await signInWithPassword(testDb(), { email: "ghost@example.test", password: "x", clientAddress: null })).toMatchObject({
      reason: "throttled",
    });
  });

  it(`throttles per client address across accounts, after ${FREE_CLIENT_FAILURES} failures (one address may be an office)`, async () => {
    for (let i = 0; i < FREE_CLIENT_FAILURES + 1; i++) {
      await signInWithPassword(testDb(), { email: `spray-${i}@example.test`, password: "x", clientAddress: "198.51.100.7" });
    }
    const fromSameAddress = await signInWithPassword(testDb(), { email: "anna@example.test", password, clientAddress: "198.51.100.7" });
    expect(fromSameAddress).toMatchObject({ reason: "throttled" });
  });

  it("doubles the wait with every further failure, up to 15 minutes", () => {
    expect(blockDurationMs(FREE_FAILURES)).toBe(0);
    expect(blockDurationMs(FREE_FAILURES + 1)).toBe(2000);
    expect(blockDurationMs(FREE_FAILURES + 2)).toBe(4000);
    expect(blockDurationMs(100)).toBe(15 * 60_000);
  });

  it("forgets earlier failures after a successful sign-in", async () => {
    for (let i = 0; i < FREE_FAILURES - 1; i++) {
      await signInWithPassword(testDb(), { email: "anna@example.test", password: "wrong", clientAddress: null });
    }
    await signInWithPassword(testDb(), { email: "anna@example.test", password, clientAddress: null });
    expect(await testDb().loginThrottle.findUnique({ where: { key: "email:anna@example.test" } })).toBeNull();
  });
});
