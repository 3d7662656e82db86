import { defineConfig } from "prisma/config";

// Used by the Prisma CLI only (generate; migrate deploy/status where the schema engine exists).
// Runtime connections go through the client factory in src/client.ts.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/unused" },
});
