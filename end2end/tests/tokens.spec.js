// Personal access tokens on the user's own Tokens page (SPEC B5): made with
// a name, shown once, usable on the API only, revoked at once. JavaScript
// on and off.
const { test, expect } = require('@playwright/test');
const { settled, signInBeforeEach } = require('./support');

test.describe.configure({ mode: 'serial' });

const BUILDER = { name: 'Bob Builder', email: 'bob@example.com', password: 'builder password 1' };

signInBeforeEach(BUILDER);

test('B5 a builder makes a token, sees it once, uses it on the API, revokes it', async ({ page, request }, testInfo) => {
  await page.getByRole('link', { name: 'Tokens' }).click();
  await expect(page.getByRole('heading', { name: 'Access tokens' })).toBeVisible();
  await settled(page, testInfo);

  // No name: refused with the reason, nothing made.
  await page.locator('input[name=name]').evaluate((el) => el.removeAttribute('required'));
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByRole('alert')).toContainText('Name the token');
  await expect(page.locator('tr[data-token]')).toHaveCount(0);
  await settled(page, testInfo);

  const name = `deploy ${testInfo.project.name}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByTestId('token-value');
  await expect(shown).toHaveText(/^stc_[0-9a-f]{64}$/);
  const token = await shown.textContent();
  await settled(page, testInfo);
  const lastUsed = (r) => r.locator('td').nth(3);
  await expect(lastUsed(page.locator(`tr[data-token="${name}"]`))).toHaveText('never');

  // It acts as Bob on the API, and opens no page.
  const me = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).user.email).toBe(BUILDER.email);
  const asPage = await request.get('/admin/users', { headers: { Authorization: `Bearer ${token}` }, maxRedirects: 0 });
  expect(await asPage.text()).not.toContain(BUILDER.email);

  // Shown once: the page again lists it by name, with its last use.
  await page.goto('/settings/tokens');
  await settled(page, testInfo);
  await expect(page.getByTestId('token-value')).toHaveCount(0);
  expect(await page.content()).not.toContain(token);
  const row = page.locator(`tr[data-token="${name}"]`);
  await expect(lastUsed(row)).not.toHaveText('never');

  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.locator(`tr[data-token="${name}"]`)).toHaveCount(0);
  const after = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  expect(after.status()).toBe(401);
});
