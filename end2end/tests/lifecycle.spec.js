// The lifecycle as a builder does it (SPEC V2–V7, E1): create an app, save,
// promote through the environments with the switcher, release, make v2,
// release it, roll back; disabled buttons say why. JavaScript on and off.
const { test, expect } = require('@playwright/test');
const { settled, signInBeforeEach } = require('./support');

test.describe.configure({ mode: 'serial' });

const ADMIN = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' };

signInBeforeEach(ADMIN);

const row = (page, name) => page.locator(`tr[data-version="${name}"]`);

async function promote(page, testInfo, name, from, to) {
  const r = row(page, name);
  await r.getByRole('link', { name: 'Promote' }).click();
  await expect(page.locator('.question')).toContainText(`Promote ${name} from ${from} to ${to}?`);
  await settled(page, testInfo);
  await page.getByRole('button', { name: 'Promote' }).click();
  await expect(page).toHaveURL(new RegExp(`env=${to}$`));
  await expect(row(page, name).locator('.env-badge')).toHaveText(to);
  await settled(page, testInfo);
}

async function release(page, testInfo, name, question) {
  await row(page, name).getByRole('link', { name: 'Release' }).click();
  await expect(page.locator('.question')).toContainText(question);
  await settled(page, testInfo);
  await page.getByRole('button', { name: 'Release' }).click();
  await expect(page).toHaveURL(/env=production$/);
  await expect(row(page, name).locator('.released-marker')).toHaveText('released');
  await settled(page, testInfo);
}

test('V2-V7 create, save, promote, release, new version, release, roll back', async ({ page }, testInfo) => {
  const appName = `Inventory ${testInfo.project.name}`;
  await page.getByLabel('Name').fill(appName);
  await page.getByRole('button', { name: 'Create app' }).click();
  await expect(page.getByRole('heading', { name: appName })).toBeVisible();
  await settled(page, testInfo);
  const appUrl = page.url().replace(/\?.*$/, '');

  // A draft: Promote and Release are disabled, each with its reason.
  const v1 = row(page, 'v1');
  await expect(v1.locator('.status-draft')).toHaveText('draft');
  await expect(v1.getByRole('button', { name: 'Promote' })).toBeDisabled();
  await expect(v1.getByRole('button', { name: 'Promote' })).toHaveAttribute('title', 'Save this version before promoting it');
  await expect(v1.getByRole('button', { name: 'Release' })).toHaveAttribute('title', 'Versions are released from production');
  await expect(v1.getByRole('button', { name: 'Delete' })).toHaveAttribute('title', "An app's only version cannot be deleted");

  await v1.getByRole('button', { name: 'Save' }).click();
  await expect(row(page, 'v1').locator('.status-saved')).toHaveText('saved');
  await expect(row(page, 'v1').getByRole('button', { name: 'Save' })).toHaveAttribute('title', 'This version is already saved');
  await settled(page, testInfo);

  await promote(page, testInfo, 'v1', 'development', 'staging');
  // The switcher: production does not list it yet, staging does.
  await page.locator('.env-switcher').getByRole('link', { name: 'production' }).click();
  await expect(page).toHaveURL(/env=production$/);
  await expect(row(page, 'v1')).toHaveCount(0);
  await page.locator('.env-switcher').getByRole('link', { name: 'staging' }).click();
  await expect(page).toHaveURL(/env=staging$/);
  await expect(row(page, 'v1')).toHaveCount(1);
  await expect(page.locator('.env-banner')).toContainText('read-only');
  await settled(page, testInfo);

  await promote(page, testInfo, 'v1', 'staging', 'production');
  await expect(row(page, 'v1').getByRole('button', { name: 'Promote' })).toHaveAttribute('title', 'Production is the last environment; release this version instead');
  await release(page, testInfo, 'v1', `Release v1 of ${appName} to end users? It is the first release.`);
  await expect(row(page, 'v1').getByRole('button', { name: 'Delete' })).toHaveAttribute('title', 'The released version cannot be deleted');

  // v2 from v1.
  await row(page, 'v1').getByRole('link', { name: 'v1' }).click();
  await expect(page.locator('.env-banner')).toContainText('Only draft versions can be edited');
  await expect(page.locator('textarea[name=definition]')).toHaveAttribute('readonly', '');
  await settled(page, testInfo);
  await page.locator('form', { hasText: 'Create version' }).getByLabel('Name').fill('v2');
  await page.getByRole('button', { name: 'Create version' }).click();
  await expect(page.getByRole('heading', { name: /v2/ })).toBeVisible();
  await expect(page.locator('textarea[name=definition]')).not.toHaveAttribute('readonly', '');
  await settled(page, testInfo);

  await page.goto(`${appUrl}?env=development`);
  await settled(page, testInfo);
  await expect(row(page, 'v2').locator('td').nth(4)).toHaveText('v1');
  await row(page, 'v2').getByRole('button', { name: 'Save' }).click();
  await expect(row(page, 'v2').locator('.status-saved')).toHaveText('saved');
  await settled(page, testInfo);
  await promote(page, testInfo, 'v2', 'development', 'staging');
  await promote(page, testInfo, 'v2', 'staging', 'production');
  await release(page, testInfo, 'v2', `Release v2 of ${appName} to end users, replacing v1?`);
  await expect(row(page, 'v1').locator('.released-marker')).toHaveCount(0);

  // Rollback: release the older version again.
  await release(page, testInfo, 'v1', `Release v1 of ${appName} to end users, replacing v2?`);
  await expect(row(page, 'v2').locator('.released-marker')).toHaveCount(0);

  // B4: the release history, newest first; older releases can be rolled
  // back to, the live one cannot.
  const history = page.locator('[data-testid=releases] tbody tr');
  await expect(history).toHaveCount(3);
  await expect(history.nth(0)).toContainText('v1');
  await expect(history.nth(0).getByRole('link', { name: 'Roll back to this' })).toHaveCount(0);
  await expect(history.nth(1)).toContainText('v2');
  await expect(history.nth(1).getByRole('link', { name: 'Roll back to this' })).toBeVisible();
  await settled(page, testInfo);

  // B2: v2 was made from v1 and not changed: the diff page says so.
  await page.goto(`${appUrl}/diff`);
  await settled(page, testInfo);
  await page.locator('select[name=a]').selectOption({ label: 'v1 (production)' });
  await page.locator('select[name=b]').selectOption({ label: 'v2 (production)' });
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page.getByRole('heading', { name: 'From v1 to v2' })).toBeVisible();
  await expect(page.getByTestId('diff-empty')).toHaveText('No differences.');

  // The dashboard shows what is released.
  await page.goto('/');
  const app = page.locator('table.apps tr', { hasText: appName });
  await expect(app).toContainText('v1');
  await expect(app.locator('.version-chip')).toHaveCount(2);
});

test('L2 the admin reads the audit log of the lifecycle', async ({ page }) => {
  await page.goto('/admin/audit?action=version.release');
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  await expect(page.locator('table.audit tbody tr')).toHaveCount(3);
  await expect(page.locator('table.audit tbody tr').first()).toContainText('version.release');
});

test('P11 the admin renames the app and makes it public from its settings', async ({ page }, testInfo) => {
  const name = `Catalog ${testInfo.project.name}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create app' }).click();
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await settled(page, testInfo);
  const settings = page.locator('.app-settings');
  await settings.getByLabel('Name').fill(`${name} renamed`);
  await settings.getByLabel('Slug').fill(`catalog-${testInfo.project.name}-renamed`);
  await settings.getByRole('button', { name: 'Rename app' }).click();
  await expect(page.getByRole('heading', { name: `${name} renamed` })).toBeVisible();
  await settled(page, testInfo);
  await expect(page.locator('.app-settings .visibility')).toHaveText('Private: end users sign in to open the released app.');
  await page.locator('.app-settings').getByRole('button', { name: 'Make public' }).click();
  await expect(page.locator('.app-settings .visibility')).toHaveText('Public: end users open the released app without signing in.');
  await expect(page.locator('.app-settings').getByRole('button', { name: 'Make private' })).toBeEnabled();
});
