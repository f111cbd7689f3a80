import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Everything is bundled from npm packages: no CDN, no remote URL.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: { target: "es2021", outDir: "dist", emptyOutDir: true, sourcemap: false },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
