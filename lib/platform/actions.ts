"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { Permission } from "@/lib/auth/permissions.ts";
import { config } from "@/lib/config.ts";
import { db } from "@/lib/db/client.ts";
import { defineAction } from "@/lib/ui/action.ts";
import { isDkimKeyPublished } from "./checks.ts";
import { activatePendingDkimKey, platformFromDomain, rotatePlatformDkimKey } from "./mutations.ts";

const PLATFORM_PAGE = "/beheer/applicatieinstellingen/platform";

/** A new DKIM key under a new selector, pending until its record is published (audited). */
export const rotateDkimKeyAction = defineAction({
  name: "platform.dkim.rotate",
  permission: Permission.MAILSERVERS_EDIT,
  schema: z.object({}),
  async run(_input, { actor, t }) {
    const key = await rotatePlatformDkimKey(db(), actor);
    revalidatePath(PLATFORM_PAGE);
    return { ok: true, message: t("platform.rotated", { selector: key.selector }) };
  },
});

/** The pending key signs from now on, once DNS serves its record (audited). */
export const activateDkimKeyAction = defineAction({
  name: "platform.dkim.activate",
  permission: Permission.MAILSERVERS_EDIT,
  schema: z.object({}),
  async run(_input, { actor, t }) {
    const domain = platformFromDomain();
    await activatePendingDkimKey(db(), actor, (key) => isDkimKeyPublished(domain, key, { dnsServers: config().DNS_SERVERS }));
    revalidatePath(PLATFORM_PAGE);
    return { ok: true, message: t("platform.activated") };
  },
});
