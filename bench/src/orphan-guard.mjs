// Preloaded (`node --import`) into every process the benchmark starts: when the benchmark goes
// away, even killed with SIGKILL, its end of our stdin closes, and we end ourselves with SIGTERM
// (the gateway's own graceful close). Nothing else changes in the process.
process.stdin.on("end", () => process.kill(process.pid, "SIGTERM"));
process.stdin.on("error", () => {});
process.stdin.resume();
