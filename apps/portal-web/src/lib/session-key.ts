// The key the create dialog just showed, handed to the playground in memory only: it never goes
// to localStorage or sessionStorage, and a reload forgets it.
import { useSyncExternalStore } from "react";

export interface SessionKey {
  orgId: string;
  name: string;
  prefix: string;
  key: string;
}

let current: SessionKey | undefined;
const listeners = new Set<() => void>();

export function rememberSessionKey(key: SessionKey | undefined): void {
  current = key;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSessionKey(): SessionKey | undefined {
  return useSyncExternalStore(subscribe, () => current);
}
