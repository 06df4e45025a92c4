// Apps that run (SPEC R2, R5–R7): the demo app, made by the admin, is
// previewed in staging with staging's rows under its banner; an end user
// lands on their released apps, opens it with production's rows and adds
// an order through its form. JavaScript on and off.
const { test, expect } = require('@playwright/test');
const { settled, signIn } = require('./support');

test.describe.configure({ mode: 'serial' });

const ADMIN = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' };
const END_USER = { name: 'Erin End', email: 'erin@example.com', password: 'end user password 1' };

test('R7 the admin makes the demo and previews staging under its banner', async ({ page }, testInfo) => {
  await signIn(page, testInfo, ADMIN);
  // The dashboard is not empty here: the demo button's server function.
  const made = await page.request.post('/api/create_demo', { form: {} });
  expect(made.status()).toBeLessThan(400);
  const user = await page.request.post('/api/v1/users', { data: { ...END_USER, role: 'end-user' } });
  expect(user.status()).toBe(201);

  await page.goto('/apps/demo-shop/preview?env=staging&version=v2');
  await settled(page, testInfo);
  await expect(page.getByTestId('preview-banner')).toContainText('Preview of v2 in staging');
  await expect(page.locator('article.released-app')).toContainText('Stella Staging');
  await expect(page.locator('article.released-app')).not.toContainText('Acme Ltd');
  await expect(page.getByRole('heading', { name: 'Orders in the staging copy' })).toBeVisible();
});

test('R5 R2 an end user opens the released app and adds an order', async ({ page }, testInfo) => {
  // The builders' pages are lazily loaded chunks: an end user's pages
  // (sign-in, start page, the app) never load one.
  const chunks = [];
  page.on('request', (r) => { if (/\/split___/.test(r.url())) chunks.push(r.url()); });
  await signIn(page, testInfo, END_USER);
  await page.getByRole('link', { name: 'Demo shop' }).click();
  await settled(page, testInfo);
  const app = page.locator('article.released-app');
  await expect(app).toContainText('Acme Ltd');
  await expect(app).not.toContainText('Stella Staging');
  await expect(page.locator('header.topbar')).toHaveCount(0);

  // With JavaScript on the forms answer in place: the page is not loaded
  // again (a mark left on it survives); with it off they are plain posts.
  const jsOn = testInfo.project.name === 'js-on';
  if (jsOn) await page.evaluate(() => { window.__samePage = true; });
  const item = `Lamp ${testInfo.project.name}`;
  const form = page.locator('form[data-component=add]');
  await form.getByLabel('Item').fill(item);
  await form.getByLabel('Quantity').fill('2');
  await form.getByRole('button', { name: 'Add order' }).click();
  await expect(page.getByTestId('outcome')).toContainText('Done');
  await expect(page.locator('section[data-query=orders]')).toContainText(item);
  await settled(page, testInfo);

  // The search button runs with the page's input, which stays filled.
  await page.getByLabel('Customer contains').fill('Glob');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.locator('section[data-query=orders]')).toContainText('Globex');
  await expect(page.locator('section[data-query=orders]')).not.toContainText('Acme Ltd');
  await expect(page.getByLabel('Customer contains')).toHaveValue('Glob');
  if (jsOn) expect(await page.evaluate(() => window.__samePage)).toBe(true);
  expect(chunks).toEqual([]);

  // No preview of staging for an end user (P10 example 5).
  const preview = await page.request.get('/apps/demo-shop/preview?env=staging&version=v2', { headers: { accept: 'text/html' } });
  expect(preview.status()).toBe(403);
});
