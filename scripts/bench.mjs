// Load benchmark of the lifecycle against a running release build:
//   node scripts/bench.mjs [base-url]      (default http://127.0.0.1:3000)
// Starts from a fresh installation (it runs setup), creates an app with
// 1,000 versions, then measures the version list, promote and release.
// Latencies are per request from one client on loopback; figures go in
// the README's Measurements section.
const base = process.argv[2] || 'http://127.0.0.1:3000';
let cookie = '';

async function call(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', cookie },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const set = res.headers.get('set-cookie');
  if (set) cookie = set.split(';')[0];
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function stats(name, ms) {
  ms.sort((a, b) => a - b);
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(2);
  const total = ms.reduce((a, b) => a + b, 0);
  console.log(`${name.padEnd(44)} n=${String(ms.length).padStart(4)}  p50 ${q(0.5)} ms  p95 ${q(0.95)} ms  ${(1000 * ms.length / total).toFixed(0)} req/s`);
}

async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const password = 'bench password 1';
await call('POST', '/api/v1/setup', { name: 'Bench', email: 'bench@example.com', password });
const app = await call('POST', '/api/v1/apps', { name: `Bench ${Date.now()}` });
const v = (id) => `/api/v1/apps/${app.id}/versions/${id}`;
const ids = [app.first_version.id];
const create = [];
for (let i = 2; i <= 1000; i++) {
  create.push(await timed(async () => {
    const x = await call('POST', `/api/v1/apps/${app.id}/versions`, { name: `v${i}`, from_version_id: app.first_version.id });
    ids.push(x.id);
  }));
}
stats('create version (app growing to 1,000)', create);

const list = [];
for (let i = 0; i < 100; i++) list.push(await timed(() => call('GET', `/api/v1/apps/${app.id}/versions?environment=development`)));
stats('list 1,000 versions (development)', list);

const save = [];
for (const id of ids.slice(0, 300)) save.push(await timed(() => call('POST', `${v(id)}/save`)));
stats('save', save);

const promote = [];
for (const id of ids.slice(0, 300)) promote.push(await timed(() => call('POST', `${v(id)}/promote`, { from: 'development' })));
for (const id of ids.slice(0, 2)) await call('POST', `${v(id)}/promote`, { from: 'staging' });
stats('promote (1,000-version app)', promote);

const release = [];
for (let i = 0; i < 200; i++) release.push(await timed(() => call('POST', `${v(ids[i % 2])}/release`, { note: `r${i}` })));
stats('release / rollback (1,000-version app)', release);

const staging = [];
for (let i = 0; i < 100; i++) staging.push(await timed(() => call('GET', `/api/v1/apps/${app.id}/versions?environment=staging`)));
stats('list staging (300 of 1,000 listed)', staging);
