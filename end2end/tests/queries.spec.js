// Environments that hold data (SPEC D1–D5, C1–C3, R3, P7): a PostgreSQL
// data source whose three environments point at three databases, each
// tested; a secret constant that stays masked; and a query run from the
// version page's Queries panel in development, then in staging after a
// promote, each showing its own environment's rows. JavaScript on and off.
const { test, expect } = require('@playwright/test');
const { execFileSync } = require('child_process');
const { settled, signInBeforeEach } = require('./support');

test.describe.configure({ mode: 'serial' });

const BUILDER = { name: 'Bob Builder', email: 'bob@example.com', password: 'builder password 1' };
const ENVS = ['development', 'staging', 'production'];
const PG = process.env.STAGECRAFT_TEST_POSTGRES_HOST || '127.0.0.1';

signInBeforeEach(BUILDER);

function psql(database, sql) {
  execFileSync('psql', ['-h', PG, '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qc', sql]);
}

// One database per environment, each with a row found only there.
function databases(project) {
  const names = {};
  for (const env of ENVS) {
    const db = `e2e_${project.replace('-', '_')}_${env}`;
    psql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    psql('postgres', `CREATE DATABASE ${db}`);
    psql(db, `CREATE TABLE orders (id INT, customer TEXT); INSERT INTO orders VALUES (1, 'customer of ${env}')`);
    names[env] = db;
  }
  return names;
}

test.afterAll(async ({}, testInfo) => {
  for (const env of ENVS) {
    psql('postgres', `DROP DATABASE IF EXISTS e2e_${testInfo.project.name.replace('-', '_')}_${env} WITH (FORCE)`);
  }
});

test('D1–D5 a PostgreSQL data source with three environments, each tested', async ({ page }, testInfo) => {
  const dbs = databases(testInfo.project.name);
  // Bob edits an app of his own: what listing data sources needs (P9).
  const made = await page.request.post('/api/v1/apps', { data: { name: `Shop ${testInfo.project.name}` } });
  expect(made.status()).toBe(201);
  // The top bar offers Data sources by the server's rule (P9): from the
  // next page on, now that Bob edits an app.
  await page.reload();
  await page.getByRole('link', { name: 'Data sources' }).click();
  await expect(page.getByRole('heading', { name: 'Data sources' })).toBeVisible();
  await settled(page, testInfo);
  const name = `Shop DB ${testInfo.project.name}`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Kind').selectOption('postgresql');
  await page.getByRole('button', { name: 'Create data source' }).click();
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await settled(page, testInfo);

  for (const env of ENVS) {
    await page.locator('nav.env-switcher').getByRole('link', { name: new RegExp(`^${env}`) }).click();
    await expect(page.getByRole('heading', { name: `Options in ${env}` })).toBeVisible();
    await settled(page, testInfo);
    await page.getByLabel('Host').fill(PG);
    await page.getByLabel('Port').fill('5432');
    await page.getByLabel('Database').fill(dbs[env]);
    await page.getByLabel('Username').fill('postgres');
    await page.getByLabel(/^Password/).fill('not-shown-pw');
    await page.getByLabel('SSL mode').selectOption('disable');
    await page.getByRole('button', { name: `Save ${env}` }).click();
    await expect(page.locator(`nav.env-switcher a[data-configured=true]`, { hasText: env })).toHaveCount(1);
    await settled(page, testInfo);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect(page.getByTestId('test-result')).toContainText(`Connected to ${name} in ${env}`);
    await settled(page, testInfo);
  }
  // The password never comes back: the form holds the mask.
  expect(await page.content()).not.toContain('not-shown-pw');
  await expect(page.getByLabel(/^Password/)).toHaveValue('********');

  // A bad port is refused naming it, and changes nothing.
  await page.getByLabel('Port').fill('70000');
  await page.getByRole('button', { name: /^Save / }).click();
  await expect(page.locator('.field-error').first()).toContainText('options.port');
  await page.goto('/data-sources');
  await settled(page, testInfo);
  const row = page.locator(`tr[data-name="${name}"]`);
  await expect(row.locator('[data-configured=true]')).toHaveCount(3);
});

test('C1–C3 a secret constant is masked after reload; a global shows', async ({ page }, testInfo) => {
  await page.getByRole('link', { name: 'Constants' }).click();
  await expect(page.getByRole('heading', { name: 'Constants' })).toBeVisible();
  await settled(page, testInfo);
  const suffix = testInfo.project.name.replace('-', '_').toUpperCase();
  const secret = `SHOP_KEY_${suffix}`;
  await page.locator('input[name=name]').fill(secret);
  await page.locator('select[name=kind]').selectOption('secret');
  await page.locator('input[name="values[staging]"]').fill('staging-secret-value');
  await page.getByRole('button', { name: 'Create constant' }).click();
  const row = page.locator(`tr[data-name="${secret}"]`);
  await expect(row).toHaveCount(1);
  await page.reload();
  await settled(page, testInfo);
  expect(await page.content()).not.toContain('staging-secret-value');
  await expect(row.locator('td[data-env=staging] input[name=value]')).toHaveValue('********');

  const region = `REGION_${suffix}`;
  await page.locator('input[name=name]').fill(region);
  await page.locator('select[name=kind]').selectOption('global');
  await page.locator('input[name="values[development]"]').fill('dev-land');
  await page.locator('input[name="values[staging]"]').fill('test-land');
  await page.getByRole('button', { name: 'Create constant' }).click();
  await expect(page.locator(`tr[data-name="${region}"] td[data-env=staging] input[name=value]`)).toHaveValue('test-land');
  await settled(page, testInfo);
  // A bad name is refused naming the field.
  await page.locator('input[name=name]').evaluate((el) => el.removeAttribute('pattern'));
  await page.locator('input[name=name]').fill('not a name');
  await page.getByRole('button', { name: 'Create constant' }).click();
  await expect(page.locator('.field-error').first()).toContainText('name must start with a letter');
});

test('R3 P7 the Queries panel runs a query in development, then in staging', async ({ page }, testInfo) => {
  const suffix = testInfo.project.name.replace('-', '_').toUpperCase();
  const apps = await (await page.request.get('/api/v1/apps')).json();
  const app = apps.find((a) => a.name === `Shop ${testInfo.project.name}`);
  const versions = await (await page.request.get(`/api/v1/apps/${app.id}/versions`)).json();
  const v = versions[0];
  const definition = {
    pages: [{ name: 'home', components: [{ id: 'who', type: 'input', name: 'who' }] }],
    queries: [{
      name: 'orders', data_source: `Shop DB ${testInfo.project.name}`, run_on_load: true,
      sql: `SELECT customer, {{constants.REGION_${suffix}}} AS region FROM orders WHERE {{inputs.who}} IS NULL OR customer <> {{inputs.who}}`,
    }],
  };
  const put = await page.request.put(`/api/v1/apps/${app.id}/versions/${v.id}/definition`,
    { data: { definition, revision: v.revision } });
  expect(put.status()).toBe(200);

  await page.goto(`/build/${app.id}/versions/${v.id}`);
  await settled(page, testInfo);
  const card = page.locator('article[data-query=orders]');
  await expect(card).toContainText('orders on Shop DB');
  await card.getByRole('button', { name: 'Run' }).click();
  const result = page.locator('article[data-query=orders]').getByTestId('query-result');
  await expect(result).toContainText('customer of development');
  await expect(result).toContainText('dev-land');
  await expect(result).not.toContainText('customer of staging');
  await settled(page, testInfo);

  // Promoted to staging, it runs there with staging's options and constants.
  const base = `/api/v1/apps/${app.id}/versions/${v.id}`;
  expect((await page.request.post(`${base}/save`, { data: {} })).status()).toBe(200);
  expect((await page.request.post(`${base}/promote`, { data: { from: 'development' } })).status()).toBe(200);

  await page.goto(`/build/${app.id}/versions/${v.id}`);
  await settled(page, testInfo);
  await page.locator('article[data-query=orders] select[name=environment]').selectOption('staging');
  await page.locator('article[data-query=orders] input[name="input.who"]').fill('nobody');
  await page.locator('article[data-query=orders]').getByRole('button', { name: 'Run' }).click();
  const staged = page.locator('article[data-query=orders]').getByTestId('query-result');
  await expect(staged).toContainText('customer of staging');
  await expect(staged).toContainText('test-land');
  await expect(staged).not.toContainText('customer of development');
  await expect(page.locator('article[data-query=orders] input[name="input.who"]')).toHaveValue('nobody');
  // The secret never reached the page.
  expect(await page.content()).not.toContain('staging-secret-value');
});
