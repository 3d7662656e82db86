-- Requests the gateway itself could not serve (its balance store or price table unavailable):
-- recorded like every other request, with their own outcome.
ALTER TYPE "UsageOutcome" ADD VALUE IF NOT EXISTS 'gateway_error';
