import Link from "next/link";
import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getT } from "@/lib/i18n/server.ts";
import { updateServerAction } from "@/lib/mailservers/actions.ts";
import { ServerForm } from "@/lib/mailservers/components/server-form.tsx";
import { serverFormValues, storedOAuthSecret } from "@/lib/mailservers/form-values.ts";
import { loadServer } from "@/lib/mailservers/data.ts";

export default async function EditServerPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePagePermission(Permission.MAILSERVERS_EDIT);
  const t = await getT();
  const { id } = await params;
  const server = await loadServer(id);
  if (!server) notFound();
  return (
    <div className="space-y-4">
      <Link href={`/beheer/applicatieinstellingen/mailservers/${server.id}`} className="text-sm">
        ← {server.name}
      </Link>
      <h1>{t("mailservers.editTitle")}</h1>
      <ServerForm
        action={updateServerAction}
        initial={serverFormValues(server)}
        passwordStored={server.passwordStored}
        oauthStored={storedOAuthSecret(server)}
        cancelHref={`/beheer/applicatieinstellingen/mailservers/${server.id}`}
      />
    </div>
  );
}
