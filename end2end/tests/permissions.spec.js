// Granular access (SPEC P2–P8, B6): the admin restricts a builder to
// staging with a custom group, takes away the builder default, checks it on
// the Explain access page; the builder then sees what the model says.
// JavaScript on and off. Runs after foundation.spec.js (the admin exists).
const { test, expect } = require('@playwright/test');

test.describe.configure({ mode: 'serial' });

const ADMIN = { email: 'ada@example.com', password: 'correct horse battery' };
const SAM = { name: 'Sam Staging', email: 'sam@example.com', password: 'staging password 1' };

async function settled(page, testInfo) {
  if (testInfo.project.use.javaScriptEnabled) {
    await expect(page.locator('body[data-hydrated=true]')).toHaveCount(1);
  }
}

async function signIn(page, testInfo, who) {
  await page.goto('/login');
  await settled(page, testInfo);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: /Hello,/ })).toBeVisible();
  await settled(page, testInfo);
}

const row = (page, name) => page.locator(`tr[data-version="${name}"]`);

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (e) => { throw new Error(`page error: ${e.message}`); });
});

test('P4 P5 B6 the admin restricts a builder to staging', async ({ page }, testInfo) => {
  await signIn(page, testInfo, ADMIN);
  // An app with v1 in staging.
  await page.getByLabel('Name').fill('Shipping');
  await page.getByRole('button', { name: 'Create app' }).click();
  await expect(page.getByRole('heading', { name: 'Shipping' })).toBeVisible();
  await settled(page, testInfo);
  await row(page, 'v1').getByRole('button', { name: 'Save' }).click();
  await expect(row(page, 'v1').locator('.status-saved')).toHaveText('saved');
  await settled(page, testInfo);
  await row(page, 'v1').getByRole('link', { name: 'Promote' }).click();
  await settled(page, testInfo);
  await page.getByRole('button', { name: 'Promote' }).click();
  await expect(page).toHaveURL(/env=staging$/);
  await settled(page, testInfo);

  // The builder Sam.
  await page.goto('/admin/users');
  await settled(page, testInfo);
  const form = page.locator('form', { hasText: 'Create user' });
  await form.getByLabel('Email').fill(SAM.email);
  await form.getByLabel('Name').fill(SAM.name);
  await form.getByLabel('Password').fill(SAM.password);
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page.locator(`tr[data-email="${SAM.email}"]`)).toBeVisible();

  // A custom group: edit on all apps, staging only, with Sam in it.
  await page.goto('/admin/groups');
  await settled(page, testInfo);
  await expect(page.locator('table.groups tr[data-group]')).toHaveCount(3);
  await page.getByLabel('Name').fill('Staging team');
  await page.getByRole('button', { name: 'Create group' }).click();
  await expect(page.getByTestId('group-name')).toHaveText('Staging team');
  await settled(page, testInfo);
  await page.getByLabel('User to add').selectOption({ label: `${SAM.name} <${SAM.email}> (Builder)` });
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.locator(`table.members tr[data-email="${SAM.email}"]`)).toBeVisible();
  await settled(page, testInfo);
  const add = page.locator('form.permission-form');
  await add.getByLabel('Edit').check();
  await add.getByLabel('staging').check();
  await add.getByRole('button', { name: 'Add permission' }).click();
  await expect(page.locator('table.permissions tbody tr')).toHaveCount(1);
  await expect(page.locator('table.permissions tbody tr')).toContainText('All apps');
  await expect(page.locator('table.permissions tbody tr')).toContainText('staging');
  await settled(page, testInfo);
  // Edit with "hide from the dashboard" is refused, naming the field.
  await add.getByLabel('Edit').check();
  await add.getByLabel('Hide from the dashboard').check();
  await add.getByRole('button', { name: 'Add permission' }).click();
  await expect(page.locator('.field-error')).toContainText('Only a view permission can hide apps');
  await expect(page.locator('table.permissions tbody tr')).toHaveCount(1);
  await settled(page, testInfo);

  // The builder role loses its default "edit everywhere"; its flags stay.
  await page.goto('/admin/groups');
  await settled(page, testInfo);
  await page.locator('tr[data-group="builder"]').getByRole('link', { name: 'builder' }).click();
  await expect(page.getByTestId('group-name')).toHaveText('builder');
  await settled(page, testInfo);
  await page.locator('table.permissions tbody tr').getByRole('button', { name: 'Remove' }).click();
  await expect(page.locator('table.permissions tbody tr')).toHaveCount(0);
  await expect(page.locator('.flags-form input[value=promote]')).toBeChecked();
  // The admin group's flags are locked.
  await page.goto('/admin/groups');
  await page.locator('tr[data-group="admin"]').getByRole('link', { name: 'admin' }).click();
  await expect(page.getByRole('button', { name: 'Save flags' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save flags' })).toHaveAttribute('title', 'The admin group always has every flag and cannot be changed');

  // Explain access: Sam edits Shipping in staging alone, because of the group.
  await page.goto('/admin/access');
  await settled(page, testInfo);
  await page.getByLabel('User').selectOption({ label: `${SAM.name} <${SAM.email}>` });
  await page.getByLabel('App').selectOption({ label: 'Shipping' });
  await page.getByRole('button', { name: 'Explain' }).click();
  const x = page.getByTestId('explanation');
  await expect(x.getByTestId('level')).toHaveText('edit');
  await expect(x.locator('.env-badge')).toHaveText(['staging']);
  await expect(x.locator('ul.can li.yes')).toHaveText(['✓ Promote']);
  await expect(x.locator('ul.because')).toContainText('Group "Staging team": edit on all apps in staging');
});

test('P7 P8 the builder restricted to staging sees what the model says', async ({ page }, testInfo) => {
  await signIn(page, testInfo, SAM);
  await page.locator('table.apps').getByRole('link', { name: 'Shipping' }).click();
  // The app opens in staging, the only environment Sam has.
  await expect(page.getByRole('heading', { name: 'Shipping' })).toBeVisible();
  await settled(page, testInfo);
  const tabs = page.locator('.env-switcher');
  await expect(tabs.locator('[aria-current=page]')).toHaveText('staging');
  await expect(tabs.locator('span.disabled', { hasText: 'development' })).toHaveAttribute('title', 'You do not have access to development');
  await expect(tabs.getByRole('link', { name: 'development' })).toHaveCount(0);
  await expect(tabs.locator('span.disabled', { hasText: 'production' })).toHaveCount(1);
  const v1 = row(page, 'v1');
  await expect(v1.getByRole('button', { name: 'Release' })).toBeDisabled();
  await expect(v1.getByRole('button', { name: 'Release' })).toHaveAttribute('title', 'You do not have edit access in production');
  // P11: changes to the whole app need edit in every environment.
  const settings = page.locator('.app-settings');
  for (const name of ['Rename app', 'Make public', 'Delete app']) {
    await expect(settings.getByRole('button', { name })).toBeDisabled();
    await expect(settings.getByRole('button', { name })).toHaveAttribute('title', 'You do not have edit access in development');
  }
  // Development itself is refused, with the reason.
  await page.goto(page.url().replace(/\?.*$/, '') + '?env=development');
  await expect(page.locator('.error-page')).toContainText('You do not have access to development');
  await page.goBack();
  await settled(page, testInfo);
  // Promote works: staging is Sam's, and the builder group has the flag.
  await row(page, 'v1').getByRole('link', { name: 'Promote' }).click();
  await expect(page.locator('.question')).toContainText('Promote v1 from staging to production?');
  await settled(page, testInfo);
  await page.getByRole('button', { name: 'Promote' }).click();
  // Sam stays in staging, which still lists the version (V9), now in
  // production, where neither Promote nor Release is Sam's.
  await expect(page).toHaveURL(/env=staging$/);
  await expect(row(page, 'v1').locator('.env-badge')).toHaveText('production');
  await settled(page, testInfo);
  await expect(row(page, 'v1').getByRole('button', { name: 'Promote' })).toBeDisabled();
  await expect(row(page, 'v1').getByRole('button', { name: 'Release' })).toHaveAttribute('title', 'You do not have edit access in production');
});
