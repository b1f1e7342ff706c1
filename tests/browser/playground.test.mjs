// The playground (GET /) and the API reference (GET /docs) in a real browser: Debian's
// chromium, headless, driven by playwright-core. neurond is started here on a free port
// ($NEUROND_BIN, default build/neurond); every request the page makes that does not go
// to it fails the test. Screenshots of each panel go to build/browser/ ($SHOTS).
//
// Run by `make test` (make browser-test); alone: cd tests/browser && npm ci && npm test.
// Node 18 or later (Debian 12's nodejs); playwright-core is pinned to a release that runs on it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..'); // Node 18 has no import.meta.dirname
const BIN = resolve(ROOT, process.env.NEUROND_BIN || 'build/neurond');
const SHOTS = resolve(ROOT, process.env.SHOTS || 'build/browser');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let server, base, browser, profile; // browser: the persistent context on a fresh profile

function startServer() {
  return new Promise((ok, fail) => {
    const p = spawn(BIN, ['--port', '0', '--bind', '127.0.0.1', '--no-access-log'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => fail(new Error('neurond did not start')), 10000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on port (\d+)/);
      if (m) { clearTimeout(timer); ok({ proc: p, port: Number(m[1]) }); }
    });
    p.on('exit', (code) => fail(new Error(`neurond exited with ${code}`)));
  });
}

async function api(path, body) {
  const r = await fetch(base + path, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return r.json();
}

// A page that fails the test on a console error, an uncaught exception, or a request
// to anywhere but this neurond.
async function openPage(path) {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1500, height: 1000 });
  const ctx = page; // closed at the end of each test
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('exception: ' + e.message));
  await page.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'data:' || u.protocol === 'blob:' || (u.hostname === '127.0.0.1' && u.port === String(new URL(base).port)))
      return route.continue();
    problems.push('request left neurond: ' + route.request().url());
    return route.abort();
  });
  await page.goto(base + path);
  return { ctx, page, problems };
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const s = await startServer();
  server = s.proc;
  base = `http://127.0.0.1:${s.port}`;
  profile = mkdtempSync(join(tmpdir(), 'neurond-chromium-'));
  // a fresh --user-data-dir: Playwright passes it as the persistent context's profile
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('the playground loads, draws every panel, and nothing leaves neurond', async () => {
  const { ctx, page, problems } = await openPage('/');
  await page.waitForSelector('#curves[data-state=drawn]');
  await page.waitForSelector('#lab[data-state=drawn]');
  await page.waitForSelector('#train[data-state=drawn]', { timeout: 60000 });
  assert.match(await page.textContent('#status'), /ready/);
  assert.deepEqual(await page.evaluate(() => window.neurond.errors), []);
  await page.screenshot({ path: join(SHOTS, 'playground.png'), fullPage: true });
  await (await page.$('#curves')).screenshot({ path: join(SHOTS, 'curves.png') });
  await (await page.$('#lab')).screenshot({ path: join(SHOTS, 'lab.png') });
  await (await page.$('#train')).screenshot({ path: join(SHOTS, 'train.png') });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('curves: choosing activations and moving a slider redraws with /activate\'s values', async () => {
  const { ctx, page, problems } = await openPage('/');
  await page.waitForSelector('#curves[data-state=drawn]');
  const check = async (what) => {
    const c = await page.evaluate(() => window.neurond.curves);
    assert.ok(c.series.length > 0, what);
    for (const s of c.series) {
      const outputs = ['y', 'dy_dx', 'd2y_dx2'];
      if (s.dy_dparams) outputs.push('dy_dparams');
      const want = await api('/activate', { activation: s.activation, params: s.params, x: c.x, outputs });
      // the drawn values are the same doubles as /activate's (JSON numbers read back exactly)
      assert.deepEqual(s.y, want.y, `${what}: ${s.activation} y`);
      assert.deepEqual(s.dy_dx, want.dy_dx, `${what}: ${s.activation} dy_dx`);
      assert.deepEqual(s.d2y_dx2, want.d2y_dx2, `${what}: ${s.activation} d2y_dx2`);
      if (s.dy_dparams) assert.deepEqual(s.dy_dparams, want.dy_dparams, `${what}: dy_dparams`);
    }
    return c;
  };
  const first = await check('sigmoid + tanh');
  assert.deepEqual(first.series.map((s) => s.activation), ['sigmoid', 'tanh']);

  // the three GELUs together
  let v = Number(await page.getAttribute('#curves', 'data-version'));
  await page.click('[data-preset=gelu3]');
  await page.waitForFunction((n) => Number(document.getElementById('curves').dataset.version) > n, v);
  const g = await check('gelu3');
  assert.deepEqual(g.series.map((s) => s.params.approximate), ['none', 'tanh', 'sigmoid']);

  // add leaky_relu and move its slider: the curves are redrawn for the new alpha
  await page.selectOption('#act-add', 'leaky_relu');
  v = Number(await page.getAttribute('#curves', 'data-version'));
  await page.click('#act-add-btn');
  await page.waitForFunction((n) => Number(document.getElementById('curves').dataset.version) > n, v);
  v = Number(await page.getAttribute('#curves', 'data-version'));
  const slider = page.locator('.series[data-activation=leaky_relu] input[type=range][data-param=alpha]');
  await slider.focus();
  for (let i = 0; i < 20; i++) await slider.press('ArrowRight');
  await page.waitForFunction((n) => Number(document.getElementById('curves').dataset.version) > n, v);
  await page.waitForTimeout(200); // the last key's redraw
  const moved = await check('slider');
  const lr = moved.series.find((s) => s.activation === 'leaky_relu');
  assert.ok(lr.params.alpha > 0.01, `alpha moved: ${lr.params.alpha}`);
  assert.ok(lr.dy_dparams && lr.dy_dparams.alpha.length === moved.x.length);

  // the log view over the tails: sigmoid' at 700 is positive, not 0
  v = Number(await page.getAttribute('#curves', 'data-version'));
  await page.click('[data-tail=sigmoid]');
  await page.waitForFunction((n) => Number(document.getElementById('curves').dataset.version) > n, v);
  await page.waitForTimeout(200);
  const tail = await check('tail');
  const s0 = tail.series[0];
  assert.equal(tail.x[tail.x.length - 1], 700);
  assert.ok(s0.dy_dx[s0.dy_dx.length - 1] > 0 && s0.dy_dx[s0.dy_dx.length - 1] < 1e-300);
  // the dy/dx panel's log axis reaches down to the tail's value
  assert.ok(tail.log && tail.ranges.dy[0] > 0 && tail.ranges.dy[0] <= s0.dy_dx[s0.dy_dx.length - 1], `dy range ${tail.ranges.dy}`);
  await (await page.$('#curves')).screenshot({ path: join(SHOTS, 'curves-tail.png') });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('the lab shows one gradient norm per layer, equal to /network/backward\'s', async () => {
  const { ctx, page, problems } = await openPage('/');
  await page.waitForSelector('#lab[data-state=drawn]');
  await page.waitForFunction(() => window.neurond.lab && window.neurond.lab.configs.length === 3);
  const labState = await page.evaluate(() => window.neurond.lab);
  for (const c of labState.configs) {
    const d = await api('/network/backward', c.request);
    assert.equal(c.norms.length, c.request.sizes.length - 1);
    assert.deepEqual(c.norms, d.layers.map((l) => l.stats.grad_weights_norm), c.label);
  }
  const [sig, , relu] = labState.configs;
  assert.ok(sig.norms[0] < 1e-12 * sig.norms[sig.norms.length - 1], 'sigmoid vanishes');
  assert.ok(relu.norms[0] > 1e-3 * relu.norms[relu.norms.length - 1], 'relu + he does not');
  // another configuration from the controls
  await page.fill('#lab-depth', '6');
  await page.selectOption('#lab-act', 'elu');
  await page.selectOption('#lab-init', 'he_uniform');
  const v = Number(await page.getAttribute('#lab', 'data-version'));
  await page.click('#lab-add');
  await page.waitForFunction((n) => Number(document.getElementById('lab').dataset.version) > n, v);
  const added = (await page.evaluate(() => window.neurond.lab)).configs[3];
  assert.equal(added.norms.length, 6);
  assert.deepEqual(added.norms, (await api('/network/backward', added.request)).layers.map((l) => l.stats.grad_weights_norm));
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('training: the loss falls, and the regions come from the forward route', async () => {
  const { ctx, page, problems } = await openPage('/');
  await page.waitForSelector('#train[data-state=drawn]', { timeout: 60000 });
  for (const kind of ['xor', 'three']) {
    const v = Number(await page.getAttribute('#train', 'data-version'));
    await page.selectOption('#train-data', kind);
    await page.click('#train-run');
    await page.waitForFunction((n) => Number(document.getElementById('train').dataset.version) > n, v, { timeout: 60000 });
    const t = await page.evaluate(() => window.neurond.train);
    assert.equal(t.losses.length, t.request.steps);
    assert.ok(t.losses[t.losses.length - 1] < 0.5 * t.losses[0], `${kind}: ${t.losses[0]} -> ${t.losses[t.losses.length - 1]}`);
    assert.deepEqual(t.losses, (await api('/network/backward', t.request)).losses);
    const classes = new Set(t.classes);
    assert.equal(classes.size, kind === 'three' ? 3 : 2, `${kind}: every class has a region`);
    // grad_z = softmax(z) - r: zero targets leave a as it is
    const g = t.gradz;
    g.a[0].forEach((a, k) => { if (k !== t.request.targets[0]) assert.equal(g.grad_z[0][k], a); });
  }
  await (await page.$('#train')).screenshot({ path: join(SHOTS, 'train-three.png') });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('/docs renders every route of openapi.yaml, and try-it-out reaches this server', async () => {
  const spec = await api('/openapi.json');
  const { ctx, page, problems } = await openPage('/docs');
  await page.waitForSelector('.opblock', { timeout: 30000 });
  const shown = await page.$$eval('.opblock', (els) => els.map((e) => {
    const m = e.querySelector('.opblock-summary-method');
    const p = e.querySelector('[data-path]') || e.querySelector('.opblock-summary-path');
    return `${m.textContent.trim().toLowerCase()} ${p.getAttribute('data-path') || p.textContent.trim()}`;
  }));
  const want = [];
  for (const [path, item] of Object.entries(spec.paths))
    for (const m of Object.keys(item)) if (['get', 'post', 'head', 'put', 'delete', 'options'].includes(m)) want.push(`${m} ${path}`);
  assert.deepEqual([...shown].sort(), want.sort());
  await page.screenshot({ path: join(SHOTS, 'docs.png') });
  // try it out on GET /healthz
  const block = page.locator('.opblock', { has: page.locator('[data-path="/healthz"]') }).first();
  await block.locator('.opblock-summary').click();
  await block.locator('.opblock-body').waitFor();
  if ((await block.locator('button.execute').count()) === 0) await block.locator('button.try-out__btn').click();
  await block.locator('button.execute').click();
  await block.locator('.live-responses-table tbody .response-col_status').first().waitFor();
  assert.match(await block.locator('.live-responses-table tbody .response-col_status').first().textContent(), /200/);
  assert.deepEqual(problems, []);
  await ctx.close();
});
