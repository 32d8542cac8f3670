import Link from "next/link";
import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { db } from "@/lib/db/client.ts";
import { getT } from "@/lib/i18n/server.ts";
import { updateServerAction } from "@/lib/mailservers/actions.ts";
import { ServerForm } from "@/lib/mailservers/components/server-form.tsx";
import type { ServerFormValues } from "@/lib/mailservers/form-values.ts";
import { getServer } from "@/lib/mailservers/data.ts";

export default async function EditServerPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePagePermission(Permission.MAILSERVERS_EDIT);
  const t = await getT();
  const { id } = await params;
  const server = await getServer(db(), id);
  if (!server) notFound();
  const initial: ServerFormValues = {
    id: server.id,
    name: server.name,
    type: server.type,
    region: server.region ?? "",
    host: server.host,
    port: String(server.port),
    tlsMode: server.tlsMode,
    verifyCertificate: server.verifyCertificate,
    authMethod: server.authMethod,
    username: server.username ?? "",
    oauthTenantId: server.oauthTenantId ?? "",
    // Google's client id is the service account's address, taken from the key file, not typed.
    oauthClientId: server.type === "MICROSOFT_365" ? (server.oauthClientId ?? "") : "",
    oauthSecretExpiresAt: server.oauthSecretExpiresAt?.toISOString().slice(0, 10) ?? "",
    heloName: server.heloName ?? "",
    managedBy: server.managedBy,
    maxRecipientsPerMessage: server.maxRecipientsPerMessage ? String(server.maxRecipientsPerMessage) : "",
    maxConnections: String(server.maxConnections),
    limits: server.limits.map((limit, index) => ({ key: index + 1_000_000, count: String(limit.count), size: String(limit.windowSize), window: limit.window, unit: limit.unit })),
  };
  return (
    <div className="space-y-4">
      <Link href={`/beheer/applicatieinstellingen/mailservers/${server.id}`} className="text-sm">
        ← {server.name}
      </Link>
      <h1>{t("mailservers.editTitle")}</h1>
      <ServerForm
        action={updateServerAction}
        initial={initial}
        passwordStored={server.passwordStored}
        oauthStored={server.authMethod === "OAUTH2" && server.oauthSecretStored ? { type: server.type, account: server.oauthClientId ?? "" } : undefined}
      />
    </div>
  );
}
