// The contracts' enums must be the Prisma schema's enums, value for value and in order.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ZApiKeyStatus,
  ZLedgerKind,
  ZMemberRole,
  ZOrgStatus,
  ZProviderKind,
  ZProviderStatus,
  ZUsageOutcome,
} from "../src/index.ts";

const schemaPath = new URL("../../db/prisma/schema.prisma", import.meta.url);

/** Every `enum Name { ... }` block of a Prisma schema: name -> values (comments and @map ignored). */
function prismaEnums(schema: string): Map<string, string[]> {
  const enums = new Map<string, string[]>();
  for (const match of schema.matchAll(/^enum\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const [, name = "", body = ""] = match;
    const values = body
      .split("\n")
      .map((line) => line.replace(/\/\/.*$/, "").trim())
      .filter((line) => line !== "" && !line.startsWith("@@"))
      .map((line) => line.split(/\s+/)[0] ?? "");
    enums.set(name, values);
  }
  return enums;
}

const contracts = {
  MemberRole: ZMemberRole,
  ApiKeyStatus: ZApiKeyStatus,
  LedgerKind: ZLedgerKind,
  UsageOutcome: ZUsageOutcome,
  ProviderKind: ZProviderKind,
  ProviderStatus: ZProviderStatus,
  OrgStatus: ZOrgStatus,
};

describe("enums", () => {
  const prisma = prismaEnums(readFileSync(schemaPath, "utf8"));

  it("finds the Prisma enums", () => {
    expect(prisma.get("MemberRole")).toEqual(["owner", "admin", "member", "viewer"]);
  });

  it.each(Object.entries(contracts))("%s equals the Prisma enum", (name, schema) => {
    expect(prisma.get(name), `enum ${name} is missing from schema.prisma`).toBeDefined();
    expect([...schema.options]).toEqual(prisma.get(name));
  });

  // A new Prisma enum fails here until src/enums.ts mirrors it (and it is added above).
  it("covers every Prisma enum", () => {
    expect([...prisma.keys()].sort()).toEqual(Object.keys(contracts).sort());
  });
});
