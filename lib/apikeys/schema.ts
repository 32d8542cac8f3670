import { z } from "zod";
import { text, uuid } from "@/lib/ui/fields.ts";

export const createApiKeySchema = z.object({ name: text(100) });
export const revokeApiKeySchema = z.object({ id: uuid });
