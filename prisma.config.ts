import { defineConfig } from "prisma/config";

// Prisma's own migrate engine is not used (see lib/db/migrate.ts); the URL only serves
// `prisma migrate status` where that engine is available.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/postkamer" },
});
