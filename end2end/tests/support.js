// What several specs share: waiting for hydration (JavaScript on), and
// signing in (before each test of a spec, or within one).
const { test, expect } = require('@playwright/test');

async function settled(page, testInfo) {
  if (testInfo.project.use.javaScriptEnabled) {
    await expect(page.locator('body[data-hydrated=true]')).toHaveCount(1);
  }
}

// Fails on any page error, then signs in as `who` and waits for the start page.
async function signIn(page, testInfo, who) {
  page.on('pageerror', (e) => { throw new Error(`page error: ${e.message}`); });
  await page.goto('/login');
  await settled(page, testInfo);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: new RegExp(`Hello, ${who.name}`) })).toBeVisible();
  await settled(page, testInfo);
}

function signInBeforeEach(who) {
  test.beforeEach(async ({ page }, testInfo) => signIn(page, testInfo, who));
}

module.exports = { settled, signIn, signInBeforeEach };
