// Looking up API keys. The hot path asks a KeyStore; this one reads PostgreSQL by hash. The
// metering work puts an in-process LRU and Redis in front of it behind the same interface.
import type { Database } from "@gw/db";

/** What a request may do, from its API key. */
export interface KeyIdentity {
  keyId: string;
  orgId: string;
  projectId: string;
  prefix: string;
  status: "active" | "revoked" | "expired";
  orgStatus: "active" | "suspended";
  isTest: boolean;
  /** Empty: every model. */
  allowedModels: readonly string[];
  expiresAt: Date | null;
  trialEndAt: Date | null;
  revokeAt: Date | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  spendLimitMicros: bigint | null;
}

export interface KeyStore {
  /** The key with this sha256 hash, or undefined. */
  findByHash(hash: string): Promise<KeyIdentity | undefined>;
}

export function createDbKeyStore(db: Database): KeyStore {
  return {
    async findByHash(hash) {
      const key = await db.prisma.apiKey.findUnique({
        where: { keyHash: hash },
        select: {
          id: true,
          orgId: true,
          projectId: true,
          prefix: true,
          status: true,
          isTest: true,
          allowedModels: true,
          expiresAt: true,
          trialEndAt: true,
          revokeAt: true,
          rpmLimit: true,
          tpmLimit: true,
          spendLimitMicros: true,
          org: { select: { status: true } },
        },
      });
      if (!key) return undefined;
      return {
        keyId: key.id,
        orgId: key.orgId,
        projectId: key.projectId,
        prefix: key.prefix,
        status: key.status,
        orgStatus: key.org.status,
        isTest: key.isTest,
        allowedModels: key.allowedModels,
        expiresAt: key.expiresAt,
        trialEndAt: key.trialEndAt,
        revokeAt: key.revokeAt,
        rpmLimit: key.rpmLimit,
        tpmLimit: key.tpmLimit,
        spendLimitMicros: key.spendLimitMicros,
      };
    },
  };
}
