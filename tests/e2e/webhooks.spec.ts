import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { verifyWebhookSignature } from "@/lib/webhooks/signature.ts";
import { ADMIN, db, resetWithUsers, signIn } from "./support.ts";

/** Webhooks in the browser: add an endpoint to an API key, send a test event, see it delivered in the endpoint's history. */
let receiver: Server;
let url: string;
const received: { body: string; signature: string }[] = [];

test.beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      received.push({ body, signature: String(request.headers["postkamer-signature"] ?? "") });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/postkamer`;
});

test.afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

test.beforeEach(async () => {
  await resetWithUsers();
  received.length = 0;
});

test("an administrator adds a webhook, sends a test event and sees it delivered in the history", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto("/autorisaties/api-sleutels");
  await page.getByLabel("Omschrijving").fill("Verzuimapplicatie");
  await page.getByRole("button", { name: "Sleutel aanmaken" }).click();
  await expect(page.getByTestId("new-api-key")).toBeVisible();
  await page.reload();

  const section = page.getByTestId("webhooks-Verzuimapplicatie");
  await expect(section.getByRole("heading", { name: "Webhooks van “Verzuimapplicatie”" })).toBeVisible();
  await section.getByLabel("URL (https)").fill(url);
  await section.getByLabel("mislukt").check();
  await section.getByRole("button", { name: "Webhook toevoegen" }).click();
  const secret = (await section.getByTestId("new-webhook-secret").textContent())!;
  expect(secret).toMatch(/^whsec_/);
  expect((await db().webhookEndpoint.findFirstOrThrow()).secretBox).not.toContain(secret);

  const endpoint = section.getByTestId("webhook-endpoint");
  await expect(endpoint).toContainText(url);
  await expect(endpoint.getByTestId("webhook-history")).toContainText("Nog geen gebeurtenissen.");
  await endpoint.getByRole("button", { name: "Testgebeurtenis versturen" }).click();
  await expect(endpoint).toContainText("Testgebeurtenis verstuurd");

  // The worker sends it within seconds; the history shows the delivery with the receiver's status code.
  await expect(async () => {
    await page.reload();
    const row = page.getByTestId("webhook-history").getByRole("row", { name: /test/ });
    await expect(row).toContainText("afgeleverd");
    await expect(row).toContainText("204");
  }).toPass({ timeout: 30_000 });
  expect(received).toHaveLength(1);
  expect(JSON.parse(received[0]!.body)).toMatchObject({ type: "webhook.test", data: { apiKey: "Verzuimapplicatie" } });
  expect(verifyWebhookSignature(secret, received[0]!.body, received[0]!.signature).ok).toBe(true);
  // The secret was shown once and never again.
  expect(await page.content()).not.toContain(secret);
});
