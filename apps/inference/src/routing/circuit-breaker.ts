/**
 * A circuit breaker per route target. After `threshold` consecutive failures a target is open
 * (skipped) for `cooldownMs`; then one request probes it (half-open): success closes it,
 * failure opens it again. Only upstream trouble counts (5xx, timeouts, connection errors, 429),
 * never a client's own bad request.
 */
export interface CircuitBreakerOptions {
  threshold?: number;
  cooldownMs?: number;
  now?: () => number;
}

interface Circuit {
  failures: number;
  openUntil: number;
  probing: boolean;
}

export class CircuitBreaker {
  private readonly circuits = new Map<string, Circuit>();
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.threshold = options.threshold ?? 5;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether a request may go to this target now. A half-open target admits one probe at a time. */
  allow(target: string): boolean {
    const circuit = this.circuits.get(target);
    if (!circuit || circuit.failures < this.threshold) return true;
    if (this.now() < circuit.openUntil || circuit.probing) return false;
    circuit.probing = true;
    return true;
  }

  success(target: string): void {
    this.circuits.delete(target);
  }

  failure(target: string): void {
    const circuit = this.circuits.get(target) ?? { failures: 0, openUntil: 0, probing: false };
    circuit.failures += 1;
    circuit.probing = false;
    if (circuit.failures >= this.threshold) circuit.openUntil = this.now() + this.cooldownMs;
    this.circuits.set(target, circuit);
  }

  state(target: string): "closed" | "open" | "half-open" {
    const circuit = this.circuits.get(target);
    if (!circuit || circuit.failures < this.threshold) return "closed";
    return this.now() < circuit.openUntil ? "open" : "half-open";
  }
}
