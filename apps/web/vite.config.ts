// Vite builds the single-page app into apps/web/dist, which the server serves (same origin).
// `npm run dev -w apps/web` serves it with hot reload and sends /api to a running server
// (SAFEHOLD_API_URL, default http://127.0.0.1:8080).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // One bundle of ~500 kB (React, Mantine, router, query) served from the same origin: fine for a console.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: {
    proxy: { '/api': { target: process.env.SAFEHOLD_API_URL ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
