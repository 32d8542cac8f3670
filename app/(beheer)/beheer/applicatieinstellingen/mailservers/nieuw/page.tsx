import Link from "next/link";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getT } from "@/lib/i18n/server.ts";
import { createServerAction } from "@/lib/mailservers/actions.ts";
import { ServerForm } from "@/lib/mailservers/components/server-form.tsx";
import { valuesFromPreset } from "@/lib/mailservers/form-values.ts";
import { isServerTypeId } from "@/lib/mailservers/presets.ts";

export default async function NewServerPage({ searchParams }: { searchParams: Promise<{ type?: string }> }) {
  await requirePagePermission(Permission.MAILSERVERS_EDIT);
  const t = await getT();
  const { type } = await searchParams;
  // ?type= lets the pre-fill work without JavaScript too.
  const initial = valuesFromPreset(isServerTypeId(type) ? type : "MICROSOFT_365");
  return (
    <div className="space-y-4">
      <Link href="/beheer/applicatieinstellingen/mailservers" className="text-sm">
        ← {t("mailservers.back")}
      </Link>
      <h1>{t("mailservers.newTitle")}</h1>
      <ServerForm action={createServerAction} initial={initial} passwordStored={false} cancelHref="/beheer/applicatieinstellingen/mailservers" />
    </div>
  );
}
