// The frame of the signed-out pages (sign in, sign up, reset, invitation).
import type { ReactNode } from "react";

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth" id="main">
      <div className="auth-card">
        <p className="brand">LLM Gateway</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** A same-site path to go to after signing in, from ?next=; anything else goes home. */
export function safeNext(next: string | null): string {
  return next?.startsWith("/") && !next.startsWith("//") ? next : "/";
}
