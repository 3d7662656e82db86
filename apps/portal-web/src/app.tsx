import { useEffect, useState } from "react";

type Health = "checking" | "ok" | "unreachable";

export function App() {
  const [health, setHealth] = useState<Health>("checking");
  useEffect(() => {
    fetch("/health")
      .then((response) => setHealth(response.ok ? "ok" : "unreachable"))
      .catch(() => setHealth("unreachable"));
  }, []);
  return (
    <main
      style={{ fontFamily: "system-ui, sans-serif", maxWidth: 640, margin: "4rem auto", padding: "0 1rem" }}
    >
      <h1>LLM Gateway</h1>
      <p>
        Portal server: <strong data-testid="health">{health}</strong>
      </p>
    </main>
  );
}
