// End-to-end tests: the release build (dist/) in Debian's headless Chromium.
import { defineConfig } from '@playwright/test';

// MARGINALIA_E2E_PORT: another port, for runs side by side on one machine.
const PORT = Number(process.env.MARGINALIA_E2E_PORT || 4173);

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'target/e2e-results',
  timeout: 60_000,
  workers: 1,
  retries: 0,
  // A test.only left behind would quietly run one test in CI: there it is an error.
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
    },
  },
  webServer: {
    command: `node e2e/serve.mjs dist ${PORT}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 20_000,
  },
});
