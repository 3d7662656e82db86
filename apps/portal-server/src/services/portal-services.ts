// Everything the portal's procedures use, built once per app from its environment.
import type { Database } from "@gw/db";
import { createSecretBox, type SecretBox } from "@gw/server-kit";
import type { Redis } from "ioredis";
import Stripe from "stripe";
import type { TPortalEnv } from "../env.ts";
import {
  type AttemptLimiter,
  createMemoryAttemptLimiter,
  createRedisAttemptLimiter,
} from "./attempt-limiter.ts";
import { createInferenceClient, type InferenceClient } from "./inference-client.ts";
import { createMailer, type Mailer } from "./mailer.ts";
import { createSessionService, type SessionService } from "./sessions.ts";

export interface PortalLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface PortalServices {
  env: TPortalEnv;
  db: Database;
  log: PortalLog;
  sessions: SessionService;
  attempts: AttemptLimiter;
  mailer: Mailer;
  inference: InferenceClient;
  /** Set when Stripe is configured. */
  stripe: Stripe | undefined;
  /** Set when ENCRYPTION_KEY is: BYOK provider keys are sealed with it. */
  secretBox: SecretBox | undefined;
}

const SIGN_IN_WINDOW_MS = 15 * 60_000;

export function createPortalServices(deps: {
  env: TPortalEnv;
  db: Database;
  redis: Redis | undefined;
  log: PortalLog;
}): PortalServices {
  const { env, db, redis, log } = deps;
  return {
    env,
    db,
    log,
    sessions: createSessionService(db.prisma, env.SESSION_TTL_DAYS),
    attempts: redis
      ? createRedisAttemptLimiter(redis, SIGN_IN_WINDOW_MS, log)
      : createMemoryAttemptLimiter(SIGN_IN_WINDOW_MS),
    mailer: createMailer(env.SMTP_URL, env.MAIL_FROM),
    inference: createInferenceClient({ url: env.INFERENCE_INTERNAL_URL, token: env.INTERNAL_SERVICE_TOKEN }),
    stripe: env.STRIPE_SECRET_KEY
      ? new Stripe(env.STRIPE_SECRET_KEY, { maxNetworkRetries: 1, timeout: 10_000 })
      : undefined,
    secretBox: env.ENCRYPTION_KEY ? createSecretBox(env.ENCRYPTION_KEY) : undefined,
  };
}
