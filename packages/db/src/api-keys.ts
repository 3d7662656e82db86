import { createHash, randomInt } from "node:crypto";
import type { Prisma, PrismaClient } from "./generated/prisma/client.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 43 base62 characters carry 256 bits: at least 32 random bytes, as the key format asks. */
const SECRET_LENGTH = 43;
/** How many characters after the prefix stay visible in lists and logs. */
const VISIBLE_CHARS = 6;

export const defaultKeyPrefix = "sk-";
export const defaultTestKeyPrefix = "sk-test-";

export interface GeneratedApiKey {
  /** The full key: shown to its owner once, never stored. */
  key: string;
  /** sha256 (hex) of the key: what the database stores and looks up. */
  hash: string;
  /** Short visible start of the key, e.g. "sk-Ab12Cd". */
  prefix: string;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function generateApiKey(prefix: string = defaultKeyPrefix): GeneratedApiKey {
  let secret = "";
  // randomInt is uniform over [0, 62): no modulo bias.
  for (let i = 0; i < SECRET_LENGTH; i++) secret += BASE62[randomInt(62)];
  const key = prefix + secret;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, prefix.length + VISIBLE_CHARS) };
}

export interface CreateApiKeyInput {
  orgId: string;
  projectId: string;
  name: string;
  isTest?: boolean;
  keyPrefix?: string;
  rpmLimit?: number | null;
  tpmLimit?: number | null;
  spendLimitMicros?: bigint | null;
  expiresAt?: Date | null;
  allowedModels?: string[];
  createdById?: string | null;
}

type Db = PrismaClient | Prisma.TransactionClient;

/** Mints a key and stores only its hash; the full key is in the result and nowhere else. */
export async function createApiKey(db: Db, input: CreateApiKeyInput) {
  const isTest = input.isTest ?? false;
  const generated = generateApiKey(input.keyPrefix ?? (isTest ? defaultTestKeyPrefix : defaultKeyPrefix));
  const record = await db.apiKey.create({
    data: {
      keyHash: generated.hash,
      prefix: generated.prefix,
      name: input.name,
      orgId: input.orgId,
      projectId: input.projectId,
      isTest,
      rpmLimit: input.rpmLimit ?? null,
      tpmLimit: input.tpmLimit ?? null,
      spendLimitMicros: input.spendLimitMicros ?? null,
      expiresAt: input.expiresAt ?? null,
      allowedModels: input.allowedModels ?? [],
      createdById: input.createdById ?? null,
    },
  });
  return { key: generated.key, record };
}
