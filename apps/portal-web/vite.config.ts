import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// In development the portal server (port 3005) answers /trpc and /health; Vite proxies to it.
// `npm run dev` at the root starts the servers and this dev server together.
const portal = `http://127.0.0.1:${process.env.PORTAL_PORT || 3005}`;

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: { "/trpc": portal, "/health": portal },
  },
  build: { outDir: "dist", emptyOutDir: true },
});
