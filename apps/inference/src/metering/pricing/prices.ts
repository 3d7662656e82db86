// The price table on the hot path: model_prices rows in memory, refreshed in the background.
import type { Database } from "@gw/db";

/** Micro-dollars per million tokens. */
export interface Price {
  input: bigint;
  output: bigint;
  cachedInput: bigint | null;
  cacheWrite: bigint | null;
}

export const FREE: Price = { input: 0n, output: 0n, cachedInput: 0n, cacheWrite: 0n };

export interface PriceBook {
  /** The price in force for a served provider + model, or undefined when there is none. */
  get(provider: string, model: string): Price | undefined;
  refresh(): Promise<void>;
  close(): void;
}

export async function createPriceBook(
  db: Database,
  options: { refreshMs?: number; now?: () => Date } = {},
): Promise<PriceBook> {
  let table = new Map<string, Price>();
  const now = options.now ?? (() => new Date());
  const refresh = async () => {
    const rows = await db.prisma.modelPrice.findMany({
      where: { effectiveFrom: { lte: now() } },
      orderBy: { effectiveFrom: "asc" },
    });
    const next = new Map<string, Price>();
    // Ascending by effective date: the latest price in force wins.
    for (const row of rows) {
      next.set(`${row.provider}\u0000${row.model}`, {
        input: row.inputPerMTokMicros,
        output: row.outputPerMTokMicros,
        cachedInput: row.cachedInputPerMTokMicros,
        cacheWrite: row.cacheWritePerMTokMicros,
      });
    }
    table = next;
  };
  await refresh();
  const timer = setInterval(() => {
    // A failed refresh keeps the last table: prices change rarely, and the database may be back soon.
    refresh().catch(() => {});
  }, options.refreshMs ?? 60_000);
  timer.unref();
  return {
    get: (provider, model) => table.get(`${provider}\u0000${model}`),
    refresh,
    close: () => clearInterval(timer),
  };
}
