// Access benchmark (SPEC P6) against a running release build on a fresh
// data folder:   node scripts/bench-access.mjs [base-url]
// Seeds 5,000 apps, 50 custom groups holding 2,000 app permissions (each
// listing 5 apps, some hidden), puts one builder in all 50 groups after
// taking away the builder default, then measures, as that builder, the
// dashboard (page 1 and all visible apps), one access decision (GET of an
// app), and the admin's access explanation. Figures go in the README.
const base = process.argv[2] || 'http://127.0.0.1:3000';

function client() {
  let cookie = '';
  return async function call(method, path, body) {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', cookie, accept: path.startsWith('/api/') ? 'application/json' : 'text/html' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0];
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text && path.startsWith('/api/') ? JSON.parse(text) : text;
  };
}

function stats(name, ms) {
  ms.sort((a, b) => a - b);
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(2);
  console.log(`${name.padEnd(52)} n=${String(ms.length).padStart(4)}  p50 ${q(0.5)} ms  p95 ${q(0.95)} ms`);
}

async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

// A fixed pseudo-random sequence (mulberry32), so runs are comparable.
let seed = 42;
function rand(n) {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
}

const admin = client();
const password = 'bench password 1';
await admin('POST', '/api/v1/setup', { name: 'Bench', email: 'bench@example.com', password });
const t0 = performance.now();
const apps = [];
for (let i = 0; i < 5000; i++) apps.push((await admin('POST', '/api/v1/apps', { name: `App ${String(i).padStart(4, '0')}` })).id);
console.log(`seeded 5,000 apps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const user = await admin('POST', '/api/v1/users', { email: 'many@example.com', name: 'Many Groups', password, role: 'builder' });
const groups = await admin('GET', '/api/v1/groups');
const builder = groups.find((g) => g.name === 'builder');
await admin('DELETE', `/api/v1/groups/${builder.id}/app-permissions/${builder.app_permissions[0].id}`);
const envSets = [[], ['development'], ['staging'], ['production', 'released'], ['staging', 'production']];
const t1 = performance.now();
for (let g = 0; g < 50; g++) {
  const group = await admin('POST', '/api/v1/groups', { name: `Team ${g}` });
  await admin('PUT', `/api/v1/groups/${group.id}/members/${user.id}`);
  for (let p = 0; p < 40; p++) {
    const chosen = Array.from({ length: 5 }, () => apps[rand(apps.length)]);
    const view = rand(3) > 0;
    await admin('POST', `/api/v1/groups/${group.id}/app-permissions`, {
      apps: chosen,
      access: view ? 'view' : 'edit',
      environments: envSets[rand(envSets.length)],
      hide_from_dashboard: view && rand(10) === 0,
    });
  }
}
console.log(`seeded 50 groups with 2,000 permissions in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

const many = client();
await many('POST', '/api/v1/auth/login', { email: 'many@example.com', password });
// GET /apps pages (API.md): walk every page of 500 after the last app seen.
async function allApps(c) {
  const all = [];
  for (;;) {
    const after = all.length ? `&after=${all[all.length - 1].id}` : '';
    const page = await c('GET', `/api/v1/apps?limit=500${after}`);
    all.push(...page);
    if (page.length < 500) return all;
  }
}
const visible = await allApps(many);
console.log(`the builder sees ${visible.length} of 5,000 apps on the dashboard`);

const first = [];
for (let i = 0; i < 50; i++) first.push(await timed(() => many('GET', '/api/v1/apps')));
stats('GET /apps (first page, 100 apps with access each)', first);
const walk = [];
for (let i = 0; i < 20; i++) walk.push(await timed(() => allApps(many)));
stats(`GET /apps, every page of 500 (${visible.length} apps)`, walk);

const page = [];
for (let i = 0; i < 50; i++) page.push(await timed(() => many('GET', `/?page=${1 + rand(10)}`)));
stats('dashboard page (50 apps, server-rendered HTML)', page);

const one = [];
for (let i = 0; i < 300; i++) {
  const id = visible[rand(visible.length)].id;
  one.push(await timed(() => many('GET', `/api/v1/apps/${id}`)));
}
stats('one access decision (GET /apps/{id})', one);

const none = [];
const seen = new Set(visible.map((a) => a.id));
const hidden = apps.filter((id) => !seen.has(id));
for (let i = 0; i < 100; i++) {
  const id = hidden[rand(hidden.length)];
  none.push(await timed(() => many('GET', `/api/v1/apps/${id}`).catch(() => {})));
}
stats('an app out of reach (404 or hidden)', none);

const explain = [];
for (let i = 0; i < 100; i++) {
  const id = apps[rand(apps.length)];
  explain.push(await timed(() => admin('GET', `/api/v1/users/${user.id}/access/${id}`)));
}
stats('explain access (admin, B6)', explain);
