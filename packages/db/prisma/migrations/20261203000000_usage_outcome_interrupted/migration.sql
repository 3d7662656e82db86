-- Requests a gateway admitted and then crashed with (kill -9, OOM) before it could record them:
-- recovered from its usage journal at the next start, charged the prompt estimate, flagged.
ALTER TYPE "UsageOutcome" ADD VALUE IF NOT EXISTS 'interrupted';
