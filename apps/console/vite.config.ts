import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The console is served by the control plane at `/` (apps/control-plane/src/routes/console-routes.ts), so
// the build's assets are addressed from the root. `npm run dev` proxies the API to a local control plane.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  logLevel: "info",
  server: {
    proxy: Object.fromEntries(
      ["/v1", "/openapi.json", "/docs"].map((path) => [
        path,
        process.env.CIRRUS_URL ?? "http://127.0.0.1:8080",
      ]),
    ),
  },
});
