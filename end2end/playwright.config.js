// Browser tests in Debian's Chromium against the release build, run twice:
// with JavaScript on (hydrated) and off (plain forms). Each project gets a
// server of its own on a fresh SQLite data folder.
const { defineConfig } = require('@playwright/test');

const server = (port, name) => ({
  command: `bash end2end/start-server.sh ${port} ${name}`,
  cwd: '..',
  url: `http://127.0.0.1:${port}/login`,
  reuseExistingServer: false,
  timeout: 60_000,
  gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
});

module.exports = defineConfig({
  testDir: './tests',
  timeout: 60_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    trace: 'off',
  },
  projects: [
    { name: 'js-on', use: { baseURL: 'http://127.0.0.1:3101', javaScriptEnabled: true } },
    { name: 'js-off', use: { baseURL: 'http://127.0.0.1:3102', javaScriptEnabled: false } },
  ],
  webServer: [server(3101, 'js-on'), server(3102, 'js-off')],
});
