import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// In development the portal server (port 3005) answers /trpc and /health; Vite proxies to it.
export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: { "/trpc": "http://127.0.0.1:3005", "/health": "http://127.0.0.1:3005" },
  },
  build: { outDir: "dist", emptyOutDir: true },
});
