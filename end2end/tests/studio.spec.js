// Building an app with the form editor (issue 11): a table, an input, a
// button and a form writing a row, on the demo's data source; saved,
// promoted twice and released; an end user opens it with production's
// rows and adds one; the builder previews staging and reads the query in
// the inspector. JavaScript on and off. Runs after runtime.spec.js, which
// makes the demo and the end user.
const { test, expect } = require('@playwright/test');
const { settled, signIn } = require('./support');

test.describe.configure({ mode: 'serial' });

const ADMIN = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' };
const END_USER = { name: 'Erin End', email: 'erin@example.com', password: 'end user password 1' };

const appName = (testInfo) => `Studio ${testInfo.project.name}`;

// The form of the editor whose submit button is `button`, inside `scope`.
const formWith = (scope, button) => scope.locator('form', { has: scope.page().getByRole('button', { name: button, exact: true }) }).first();

async function addComponent(page, testInfo, kind, id) {
  const form = formWith(page.locator('section[data-page=home]'), 'Add component');
  await form.getByLabel('Type').selectOption(kind);
  await form.getByLabel('Id').fill(id);
  await form.getByRole('button', { name: 'Add component' }).click();
  await expect(page.locator(`div.component-editor[data-component=${id}]`)).toHaveCount(1);
  await settled(page, testInfo);
}

async function addQuery(page, testInfo, name, sql) {
  const form = formWith(page.locator('#query-editor'), 'Add query');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Data source').selectOption('Demo orders');
  await form.getByRole('button', { name: 'Add query' }).click();
  const editor = page.locator(`div[data-query-editor=${name}]`);
  await expect(editor).toHaveCount(1);
  await settled(page, testInfo);
  await editor.getByLabel('SQL').fill(sql);
  await editor.getByRole('button', { name: 'Save query' }).click();
  await expect(page.locator(`div[data-query-editor=${name}] textarea`)).toHaveValue(sql);
  await settled(page, testInfo);
}

test('the builder makes an app with the form editor and ships it', async ({ page }, testInfo) => {
  await signIn(page, testInfo, ADMIN);
  const made = await page.request.post('/api/v1/apps', { data: { name: appName(testInfo) } });
  expect(made.status()).toBe(201);
  const app = await made.json();
  // The editor is a lazily loaded chunk of its own: with JavaScript on the
  // page loads it (and hydrates with it), with JavaScript off nothing is.
  const chunks = [];
  page.on('request', (r) => { if (/\/split___editor_route_view_[^/]*\.wasm$/.test(r.url())) chunks.push(r.url()); });
  await page.goto(`/build/${app.id}/versions/${app.first_version.id}/edit`);
  await settled(page, testInfo);
  expect(chunks.length > 0).toBe(testInfo.project.name === 'js-on');

  // The input first: the query reads it, and a save naming an input that
  // does not exist is refused.
  await addComponent(page, testInfo, 'input', 'who');
  await addQuery(page, testInfo, 'orders', 'SELECT customer, item FROM orders WHERE {{inputs.who}} IS NULL OR customer = {{inputs.who}} ORDER BY id DESC');
  await addComponent(page, testInfo, 'table', 'grid');
  await addComponent(page, testInfo, 'button', 'go');
  await addComponent(page, testInfo, 'form', 'add');
  const form = page.locator('div.component-editor[data-component=add]');
  await form.getByLabel(/^Inputs/).fill('item: Item');
  await form.getByRole('button', { name: 'Save', exact: true }).click();
  // Saved as the definition's inputs (the field keeps what was typed).
  const saved = async () => {
    const v = await (await page.request.get(`/api/v1/apps/${app.id}/versions/${app.first_version.id}`)).json();
    return v.definition.pages[0].components.find((c) => c.id === 'add').inputs;
  };
  await expect.poll(saved).toEqual([{ name: 'item', label: 'Item', input_type: 'text' }]);
  await settled(page, testInfo);
  await addQuery(page, testInfo, 'add_order', "INSERT INTO orders (customer, item, qty) VALUES ('Studio', {{inputs.item}}, 1)");
  const formAgain = page.locator('div.component-editor[data-component=add]');
  await formAgain.getByLabel('Query').selectOption('add_order');
  await formAgain.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('div.component-editor[data-component=add] select[name=query]')).toHaveValue('add_order');
  await settled(page, testInfo);
  // Reorder: the table above the input.
  await page.locator('div.component-editor[data-component=grid]').getByRole('button', { name: 'Up component' }).click();
  await expect(page.locator('div.component-editor').first()).toHaveAttribute('data-component', 'grid');

  // Development's rows in the live preview beside it.
  const preview = page.frameLocator('.editor-preview iframe');
  await expect(preview.locator('section[data-query=orders]')).toContainText('Test customer');

  const base = `/api/v1/apps/${app.id}/versions/${app.first_version.id}`;
  expect((await page.request.post(`${base}/save`, { data: {} })).status()).toBe(200);
  expect((await page.request.post(`${base}/promote`, { data: { from: 'development' } })).status()).toBe(200);
  expect((await page.request.post(`${base}/promote`, { data: { from: 'staging' } })).status()).toBe(200);
  expect((await page.request.post(`${base}/release`, { data: {} })).status()).toBe(200);

  // Staging's preview with the inspector (edit access there).
  await page.goto(`/apps/${app.slug}/preview?env=staging&version=v1`);
  await settled(page, testInfo);
  await expect(page.locator('section[data-query=orders]')).toContainText('Stella Staging');
  await expect(page.getByTestId('inspector').locator('tr[data-inspect-query=orders]')).toContainText('rows');
  await expect(page.getByTestId('inspector')).toContainText('the staging copy');
});

test('an end user opens the released app and adds a row with its form', async ({ page }, testInfo) => {
  await signIn(page, testInfo, END_USER);
  await page.getByRole('link', { name: appName(testInfo) }).click();
  await settled(page, testInfo);
  await expect(page.locator('section[data-query=orders]')).toContainText('Acme Ltd');
  const item = `Globe ${testInfo.project.name}`;
  await page.locator('form[data-component=add]').getByLabel('Item').fill(item);
  await page.locator('form[data-component=add]').getByRole('button').click();
  await expect(page.locator('section[data-query=orders]')).toContainText(item);
  await expect(page.getByTestId('inspector')).toHaveCount(0);
});
