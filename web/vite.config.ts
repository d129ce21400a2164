import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The switchboard binary serves this build at `/` on the same origin as the API,
// so every URL in the client is relative and the dev server proxies the backend.
const backend = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Maps are opt-in (SOURCEMAP=1, e.g. to upload to Sentry): the binary embeds dist/ as is.
    sourcemap: process.env.SOURCEMAP === '1' ? 'hidden' : false,
    assetsDir: 'assets',
  },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/socket.io': { target: backend, ws: true, changeOrigin: false },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    restoreMocks: true,
  },
});
