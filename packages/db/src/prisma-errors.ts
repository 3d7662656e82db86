/** A write refused by a unique index (Prisma's P2002): the row, or its twin, already exists. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "P2002";
}
