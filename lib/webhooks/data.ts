import "server-only";
import { db, type Db } from "@/lib/db/client.ts";

/** Per API key its endpoints and each endpoint's last deliveries; never the secret. */
export async function listWebhookEndpoints(prisma: Db, historySize = 10) {
  const endpoints = await prisma.webhookEndpoint.findMany({
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      apiKeyId: true,
      url: true,
      events: true,
      active: true,
      createdAt: true,
      deliveries: {
        orderBy: { createdAt: "desc" },
        take: historySize,
        select: {
          id: true,
          eventId: true,
          type: true,
          status: true,
          attempts: true,
          lastStatusCode: true,
          lastError: true,
          lastAttemptAt: true,
          createdAt: true,
        },
      },
    },
  });
  return endpoints.map((endpoint) => ({ ...endpoint, deliveries: endpoint.deliveries.map((d) => ({ ...d, id: d.id.toString() })) }));
}

export type WebhookEndpointView = Awaited<ReturnType<typeof listWebhookEndpoints>>[number];

/** The API keys page's read. */
export function loadWebhookEndpoints() {
  return listWebhookEndpoints(db());
}
