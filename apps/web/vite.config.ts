import { defineConfig } from "vite";

export default defineConfig({
  // React's automatic JSX runtime, without a plugin: no Fast Refresh needed for an example.
  oxc: { jsx: { runtime: "automatic" } },
  build: {
    target: "es2022",
    // The bundle's size is reported by the browser test; a source map would only blur it.
    sourcemap: false,
  },
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173 },
});
