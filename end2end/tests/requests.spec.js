// Release safety in the browser (SPEC B3, B7), JavaScript on and off: a
// builder without `promote` asks for a promotion from the disabled
// button's place; a lead opens the request from the dashboard, reads the
// diff and approves; the release confirmation lists a missing constant and
// stays disabled until the constant has a production value.
const { test, expect } = require('@playwright/test');
const { settled, signIn } = require('./support');

test.describe.configure({ mode: 'serial' });

const ADMIN = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' };

function people(testInfo) {
  const p = testInfo.project.name;
  return {
    asker: { name: `Asker ${p}`, email: `asker-${p}@example.com`, password: 'password of asker' },
    lead: { name: `Lead ${p}`, email: `lead-${p}@example.com`, password: 'password of lead' },
  };
}

async function ok(response, status = 200) {
  const text = await response.text();
  expect(response.status(), text).toBe(status);
  return text ? JSON.parse(text) : null;
}

// As the signed-in admin: a builder in a group with edit on every app and
// `flags`. The builder role group's own `promote` and `release` are off
// while these tests run (flags are the union over groups, P3).
async function roleFlags(page, on) {
  await ok(await page.request.patch('/api/v1/groups/group-builder', { data: { flags: { promote: on, release: on } } }));
}

test.afterAll(async ({ playwright }, testInfo) => {
  const api = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });
  await ok(await api.post('/api/v1/auth/login', { data: { email: ADMIN.email, password: ADMIN.password } }));
  await ok(await api.patch('/api/v1/groups/group-builder', { data: { flags: { promote: true, release: true } } }));
  await api.dispose();
});

async function builder(page, who, flags) {
  await roleFlags(page, false);
  const user = await ok(await page.request.post('/api/v1/users',
    { data: { email: who.email, name: who.name, password: who.password, role: 'builder' } }), 201);
  const group = await ok(await page.request.post('/api/v1/groups', { data: { name: `Group of ${who.email}` } }), 201);
  await ok(await page.request.patch(`/api/v1/groups/${group.id}`, { data: { flags } }));
  await ok(await page.request.post(`/api/v1/groups/${group.id}/app-permissions`, { data: { apps: 'all', access: 'edit' } }), 201);
  await ok(await page.request.put(`/api/v1/groups/${group.id}/members/${user.id}`, { data: {} }), 204);
}

async function switchTo(page, testInfo, who) {
  await page.context().clearCookies();
  await signIn(page, testInfo, who);
}

const heading = (text) => ({ pages: [{ name: 'home', title: 'Home', components: [{ id: 'title', type: 'heading', text }] }], queries: [] });

test('B7 a builder without promote asks; a lead reads the diff and approves', async ({ page }, testInfo) => {
  const { asker, lead } = people(testInfo);
  await signIn(page, testInfo, ADMIN);
  await builder(page, asker, {});
  await builder(page, lead, { promote: true, release: true });
  // v1 in staging; v2 changes its heading and waits in development.
  const app = await ok(await page.request.post('/api/v1/apps', { data: { name: `Requested ${testInfo.project.name}` } }), 201);
  const base = `/api/v1/apps/${app.id}/versions`;
  const v1 = app.first_version.id;
  await ok(await page.request.put(`${base}/${v1}/definition`, { data: { definition: heading('Old heading'), revision: 1 } }));
  await ok(await page.request.post(`${base}/${v1}/save`, { data: {} }));
  await ok(await page.request.post(`${base}/${v1}/promote`, { data: { from: 'development' } }));
  const v2 = await ok(await page.request.post(base, { data: { name: 'v2', from_version_id: v1 } }), 201);
  await ok(await page.request.put(`${base}/${v2.id}/definition`, { data: { definition: heading('New heading'), revision: v2.revision } }));
  await ok(await page.request.post(`${base}/${v2.id}/save`, { data: {} }));

  // The asker: no Promote button, a request in its place.
  await switchTo(page, testInfo, asker);
  await page.goto(`/build/${app.id}?env=development`);
  await settled(page, testInfo);
  const row = page.locator('tr[data-version="v2"]');
  await expect(row.getByRole('button', { name: 'Promote' })).toHaveCount(0);
  await row.getByTestId('ask-promote').click();
  await expect(page.getByTestId('ask')).toBeVisible();
  await settled(page, testInfo);
  await page.getByLabel('Message (optional)').fill('Ready for QA');
  await page.getByRole('button', { name: 'Request promotion' }).click();
  await expect(page).toHaveURL(/\/requests\/[0-9a-f]+$/);
  await expect(page.getByTestId('waiting')).toBeVisible();
  await expect(page.getByTestId('request-state')).toHaveText('open');
  const requestUrl = new URL(page.url()).pathname;

  // The lead: the request on the dashboard, its diff, approve.
  await switchTo(page, testInfo, lead);
  const waiting = page.getByTestId('requests-to-decide');
  await expect(waiting).toContainText('Ready for QA');
  await waiting.locator(`a[href="${requestUrl}"]`).click();
  await expect(page).toHaveURL(new RegExp(`${requestUrl}$`));
  await settled(page, testInfo);
  const change = page.locator('[data-path="pages.home.components.title.text"]');
  await expect(change).toHaveAttribute('data-kind', 'changed');
  await expect(change.locator('.diff-before')).toContainText('Old heading');
  await expect(change.locator('.diff-after')).toContainText('New heading');
  await expect(page.getByTestId('preflight-ok')).toBeVisible();
  await page.getByRole('button', { name: 'Approve and promote' }).click();
  await expect(page.getByTestId('outcome')).toContainText(`Approved by ${lead.email}`);
  const now = await ok(await page.request.get(`${base}/${v2.id}`));
  expect(now.environment).toBe('staging');

  // The asker reads the outcome among their requests.
  await switchTo(page, testInfo, asker);
  await expect(page.getByTestId('my-requests').locator('tr[data-state=approved]')).toHaveCount(1);
});

test('B3 the release confirmation lists a missing constant, disabled until it has a value', async ({ page }, testInfo) => {
  const { lead } = people(testInfo);
  const name = `MOTD_${testInfo.project.name.replace('-', '_').toUpperCase()}`;
  await signIn(page, testInfo, ADMIN);
  const constant = await ok(await page.request.post('/api/v1/constants',
    { data: { name, type: 'global', values: { development: 'hello', staging: 'hello' } } }), 201);
  const app = await ok(await page.request.post('/api/v1/apps', { data: { name: `Preflight ${testInfo.project.name}` } }), 201);
  const base = `/api/v1/apps/${app.id}/versions/${app.first_version.id}`;
  await ok(await page.request.put(`${base}/definition`, { data: { definition: heading(`{{constants.${name}}}`), revision: 1 } }));
  await ok(await page.request.post(`${base}/save`, { data: {} }));
  await ok(await page.request.post(`${base}/promote`, { data: { from: 'development' } }));
  // Production lacks it: only an admin's override gets it there.
  const refused = await page.request.post(`${base}/promote`, { data: { from: 'staging' } });
  expect(refused.status()).toBe(409);
  expect((await refused.json()).error.details.missing).toEqual([{ kind: 'constant', name, environment: 'production' }]);
  await ok(await page.request.post(`${base}/promote`, { data: { from: 'staging', override_preflight: true } }));

  // The lead may release, but not past the pre-flight.
  await switchTo(page, testInfo, lead);
  const confirm = `/build/${app.id}/versions/${app.first_version.id}/release`;
  await page.goto(confirm);
  await settled(page, testInfo);
  const missing = page.getByTestId('preflight').locator(`li[data-name="${name}"]`);
  await expect(missing).toHaveAttribute('data-kind', 'constant');
  await expect(missing.getByRole('link')).toHaveAttribute('href', `/constants#constant-global-${name}`);
  await expect(page.getByRole('button', { name: 'Release' })).toBeDisabled();
  await expect(page.getByTestId('preflight-refusal')).toContainText('Only an admin may override');
  await expect(page.getByTestId('override-preflight')).toHaveCount(0);

  // The admin sees the override check-box; then gives the value instead.
  await switchTo(page, testInfo, ADMIN);
  await page.goto(confirm);
  await settled(page, testInfo);
  await expect(page.getByTestId('override-preflight')).toBeVisible();
  await ok(await page.request.put(`/api/v1/constants/${constant.id}/values/production`, { data: { value: 'welcome' } }));

  // Now the lead releases through the page.
  await switchTo(page, testInfo, lead);
  await page.goto(confirm);
  await settled(page, testInfo);
  await expect(page.getByTestId('preflight-ok')).toBeVisible();
  await page.getByRole('button', { name: 'Release' }).click();
  await expect(page).toHaveURL(/env=production$/);
  await expect(page.locator('tr[data-version="v1"] .released-marker')).toHaveText('released');
});
