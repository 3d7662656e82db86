import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as DMMF from "@prisma/dmmf";
import { getDMMF } from "@prisma/get-dmmf";
import { afterEach, describe, expect, it } from "vitest";
import { type Database, readMigrations } from "../src/index.ts";
import { actualShape, diffShapes, expectedShape } from "../src/schema-drift.ts";
import { createTestDatabase } from "../src/testing.ts";

const schemaText = readFileSync(join(import.meta.dirname, "../prisma/schema.prisma"), "utf8");

function dmmf(): DMMF.Document {
  const result = getDMMF({ datamodel: schemaText });
  if ("error" in result) throw new Error(String(result.error));
  return result as DMMF.Document;
}

let db: Database | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

async function driftAfter(edit: (sql: string) => string): Promise<string[]> {
  db = await createTestDatabase({ migrate: false });
  // The edits are of the first (init) migration, where every table and enum begins.
  const migrations = readMigrations().map((m, index) => (index === 0 ? { ...m, sql: edit(m.sql) } : m));
  await db.migrate(migrations);
  const actual = await db.withRunner(actualShape);
  return diffShapes(expectedShape(dmmf()), actual);
}

describe("schema drift", () => {
  it("the migrations produce exactly the database the Prisma schema describes", async () => {
    expect(await driftAfter((sql) => sql)).toEqual([]);
  });

  it("reports a column missing from the SQL", async () => {
    const drift = await driftAfter((sql) =>
      sql.replace(/^\s+"spent_micros" BIGINT NOT NULL DEFAULT 0,\n/m, ""),
    );
    expect(drift).toEqual(["column api_keys.spent_micros is missing from the database"]);
  });

  it("reports a changed type, nullability, default, index and foreign key", async () => {
    const drift = await driftAfter((sql) =>
      sql
        .replace(
          `"name" TEXT NOT NULL,\n    "status" "OrgStatus"`,
          `"name" VARCHAR(100),\n    "status" "OrgStatus"`,
        )
        .replace(`"attempts" INTEGER NOT NULL DEFAULT 1`, `"attempts" INTEGER NOT NULL DEFAULT 2`)
        .replace(/CREATE INDEX "sessions_expires_at_idx".*\n/, "")
        .replace(
          `"usage_records_org_id_created_at_id_idx" ON "usage_records"("org_id", "created_at" DESC, "id" DESC)`,
          `"usage_records_org_id_created_at_id_idx" ON "usage_records"("org_id", "created_at", "id" DESC)`,
        )
        .replace(
          `"api_keys_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE RESTRICT`,
          `"api_keys_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE`,
        ),
    );
    expect(drift).toEqual(
      expect.arrayContaining([
        "column organizations.name: type text in the schema, character varying(100) in the database",
        "column organizations.name: NOT NULL in the schema, nullable in the database",
        "column usage_records.attempts: default 1 in the schema, 2 in the database",
        "table sessions: index(expires_at) is missing from the database",
        "table usage_records: index(org_id, created_at desc, id desc) is missing from the database",
        "table usage_records: index(org_id, created_at, id desc) exists in the database but not in the schema",
        "table api_keys: foreign key (project_id) -> projects(id) on delete restrict on update cascade is missing from the database",
      ]),
    );
    expect(drift).toHaveLength(8);
  });

  it("reports an enum value and a table the schema does not have", async () => {
    const drift = await driftAfter(
      (sql) =>
        `${sql.replace(`'owner', 'admin', 'member', 'viewer'`, `'owner', 'admin', 'member'`)}\nCREATE TABLE "stray" ("id" INTEGER PRIMARY KEY);`,
    );
    expect(drift).toEqual([
      "enum MemberRole: schema [owner,admin,member,viewer] vs database [owner,admin,member]",
      "table stray exists in the database but not in the schema",
    ]);
  });
});
