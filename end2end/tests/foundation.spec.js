// First run, sign-in, users and sign-out as a person does it (SPEC P1, S3),
// once hydrated and once with JavaScript off.
const { test, expect } = require('@playwright/test');
const fs = require('fs');
const path = require('path');

test.describe.configure({ mode: 'serial' });

const ADMIN = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' };
const BUILDER = { name: 'Bob Builder', email: 'bob@example.com', password: 'builder password 1' };

// Remembers each session id the browser held, so the log check can look for it.
async function noteSession(context, testInfo) {
  const cookies = await context.cookies();
  const sid = cookies.find((c) => c.name === 'stagecraft_session');
  if (sid) {
    const file = path.join(__dirname, '..', '..', '.test-data', 'e2e', `${testInfo.project.name}.sessions`);
    fs.appendFileSync(file, sid.value + '\n');
  }
  return sid;
}

async function hydrated(page, testInfo) {
  if (testInfo.project.use.javaScriptEnabled) {
    // The wasm bundle loaded and hydration finished (the release build,
    // optimised by wasm-opt) before we interact.
    await expect(page.locator('body[data-hydrated=true]')).toHaveCount(1);
  } else {
    await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
  }
}

// Any error in the page (a hydration panic, say) fails the test.
test.beforeEach(async ({ page }) => {
  page.on('pageerror', (e) => { throw new Error(`page error: ${e.message}`); });
});

test('P1 first run: the setup page creates the first admin', async ({ page, context }, testInfo) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);
  await hydrated(page, testInfo);
  await expect(page.getByRole('heading', { name: 'Welcome to Stagecraft' })).toBeVisible();
  // Bad input: the message names the field and nothing is created.
  await page.getByLabel('Your name').fill('Ada Admin');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.locator('input[name=email]').evaluate((el) => el.setAttribute('type', 'text'));
  await page.getByRole('button', { name: 'Create admin account' }).click();
  await expect(page.locator('.field-error')).toContainText('Email must look like');
  await hydrated(page, testInfo);

  await page.getByLabel('Your name').fill(ADMIN.name);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create admin account' }).click();
  await expect(page.getByRole('heading', { name: /Hello, Ada Admin/ })).toBeVisible();
  await expect(page.getByTestId('whoami')).toContainText('Ada Admin');
  const sid = await noteSession(context, testInfo);
  expect(sid.httpOnly).toBe(true);
  expect(sid.sameSite).toBe('Lax');

  // Setup happens once.
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/$/);
});

test('P1 the admin creates a builder, then signs out', async ({ page }, testInfo) => {
  await signIn(page, testInfo, ADMIN);
  await page.getByRole('link', { name: 'Users' }).first().click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await hydrated(page, testInfo);
  const form = page.locator('form.grid-form');
  await form.getByLabel('Email').fill(BUILDER.email);
  await form.getByLabel('Name').fill(BUILDER.name);
  await form.getByLabel('Password').fill(BUILDER.password);
  await form.getByLabel('Role').selectOption('builder');
  await form.getByRole('button', { name: 'Create user' }).click();
  const row = page.locator(`tr[data-email="${BUILDER.email}"]`);
  await expect(row).toContainText(BUILDER.name);
  await expect(row.locator('select[name=role]')).toHaveValue('builder');

  // A duplicate email is refused with a message.
  await hydrated(page, testInfo);
  await form.getByLabel('Email').fill(BUILDER.email.toUpperCase());
  await form.getByLabel('Name').fill('Someone Else');
  await form.getByLabel('Password').fill('another password');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page.locator('.notice-error')).toContainText('already exists');

  // The admin's own deactivate button is disabled, with the reason.
  const mine = page.locator(`tr[data-email="${ADMIN.email}"] button`, { hasText: 'Deactivate' });
  await expect(mine).toBeDisabled();
  await expect(mine).toHaveAttribute('title', 'You cannot deactivate yourself');

  await hydrated(page, testInfo);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test('P1 S3 the builder signs in; a wrong password is refused', async ({ page, context }, testInfo) => {
  await page.goto('/login');
  await hydrated(page, testInfo);
  await page.getByLabel('Email').fill(BUILDER.email);
  await page.getByLabel('Password').fill('a wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.notice-error')).toContainText('Email or password is incorrect');

  await signIn(page, testInfo, BUILDER);
  await expect(page.getByTestId('whoami')).toContainText('Bob Builder');
  await expect(page.getByTestId('whoami')).toContainText('Builder');
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await noteSession(context, testInfo);
  const resp = await page.goto('/admin/users');
  expect(resp.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
});

test('unknown pages are a clear 404', async ({ page }) => {
  const resp = await page.goto('/no/such/page');
  expect(resp.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
});

async function signIn(page, testInfo, who) {
  await page.goto('/login');
  await hydrated(page, testInfo);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: new RegExp(`Hello, ${who.name}`) })).toBeVisible();
}
