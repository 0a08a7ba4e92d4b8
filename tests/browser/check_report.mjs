#!/usr/bin/env node
// Opens a job report page (fanout --report) in headless Chromium and checks its DOM.
//
//   node tests/browser/check_report.mjs REPORT.html [--lanes N] [--cause CAUSE]
//        [--sentence-contains TEXT] [--hosts N] [--status ok|failed]
//        [--screenshot OUT.png] [--hover] [--timing]
//
// Prints a JSON summary of what it found; exits 1 naming the check that failed.
// Any console error or page error fails, and so does any request but the page
// file itself (the page must be self-contained). Meant to run with the network
// off (tests/browser/run.sh runs it under `unshare --net`): Chromium is driven
// over pipes only.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function usage(msg) {
  if (msg) console.error(`check_report: ${msg}`);
  console.error('usage: node tests/browser/check_report.mjs REPORT.html [--lanes N] [--cause CAUSE] ' +
    '[--sentence-contains TEXT] [--hosts N] [--status STATUS] [--screenshot OUT.png] [--hover] [--timing]');
  process.exit(1);
}

function parseArgs(argv) {
  const o = { file: null, lanes: null, cause: null, sentence: null, hosts: null, status: null,
              screenshot: null, hover: false, timing: false };
  const value = (i, name) => {
    if (i + 1 >= argv.length) usage(`${name} needs a value`);
    return argv[i + 1];
  };
  const int = (v, name) => {
    if (!/^\d+$/.test(v)) usage(`${name} wants a whole number, not ${JSON.stringify(v)}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--lanes': o.lanes = int(value(i, a), a); i++; break;
      case '--hosts': o.hosts = int(value(i, a), a); i++; break;
      case '--cause': o.cause = value(i, a); i++; break;
      case '--sentence-contains': o.sentence = value(i, a); i++; break;
      case '--status': o.status = value(i, a); i++; break;
      case '--screenshot': o.screenshot = value(i, a); i++; break;
      case '--hover': o.hover = true; break;
      case '--timing': o.timing = true; break;
      case '-h': case '--help': usage();
      default:
        if (a.startsWith('-')) usage(`unknown option ${a}`);
        if (o.file) usage(`one report at a time (${o.file}, ${a})`);
        o.file = a;
    }
  }
  if (!o.file) usage('no report given');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const file = path.resolve(opts.file);
if (!fs.existsSync(file)) usage(`no such file: ${file}`);
const fileUrl = pathToFileURL(file).href;

const failures = [];
const fail = (check, msg) => failures.push({ check, msg });
const summary = { report: file, bytes: fs.statSync(file).size };

const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  pipe: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
         '--no-default-browser-check', '--disable-extensions', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--metrics-recording-only',
         '--window-size=1400,900'],
  defaultViewport: { width: 1400, height: 900 },
  protocolTimeout: 120000,
});

let code = 0;
try {
  const page = await browser.newPage();
  const consoleErrors = [], pageErrors = [], blocked = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => pageErrors.push(String(e && e.message ? e.message : e)));
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const u = req.url().split('#')[0];
    if (u === fileUrl) { req.continue(); return; }
    blocked.push(req.url().slice(0, 200));
    req.abort('blockedbyclient');
  });
  // When the page says it is drawn, measured from the navigation's start.
  await page.evaluateOnNewDocument(() => {
    const mark = () => { if (window.__drawnMs == null) window.__drawnMs = performance.now(); };
    new MutationObserver(() => {
      if (document.body && document.body.dataset.ready === '1') mark();
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-ready'] });
  });

  const t0 = Date.now();
  await page.goto(fileUrl, { waitUntil: 'load', timeout: 120000 });
  try {
    await page.waitForFunction(() => document.body && document.body.dataset.ready === '1', { timeout: 60000, polling: 50 });
  } catch (e) {
    fail('ready', 'the page never set document.body.dataset.ready = "1"');
  }
  const wallMs = Date.now() - t0;
  const drawnMs = await page.evaluate(() => window.__drawnMs == null ? null : window.__drawnMs);

  const dom = await page.evaluate(() => {
    const q = (sel) => document.querySelector(sel);
    const text = (sel) => { const e = q(sel); return e ? e.textContent.trim() : null; };
    const lanes = [...document.querySelectorAll('#timeline .lane')];
    return {
      title: document.title,
      status: text('#status'),
      error: text('#error'),
      argv: text('#argv'),
      where: text('#where .v'),
      lanes: lanes.length,
      lanes_per_host: Object.entries(lanes.reduce((m, l) => { m[l.dataset.host] = (m[l.dataset.host] || 0) + 1; return m; }, {})),
      lanes_without_attrs: lanes.filter((l) => l.dataset.host == null || l.dataset.slot == null).length,
      canvases: document.querySelectorAll('#timeline canvas').length,
      host_rows: [...document.querySelectorAll('#hosts tr[data-host]')].map((r) => r.dataset.host),
      phases: [...document.querySelectorAll('#phases .phase')].map((p) => p.dataset.name),
      diagnosis: {
        cause: q('#diagnosis') ? q('#diagnosis').dataset.cause : null,
        sentence: text('#diagnosis .sentence'),
        causes: document.querySelectorAll('#diagnosis table.causes tbody tr').length,
      },
      throughput_svg: document.querySelectorAll('#throughput svg').length,
      idle_svg: document.querySelectorAll('#idle svg').length,
      dom_nodes: document.getElementsByTagName('*').length,
    };
  });
  Object.assign(summary, dom);
  summary.lanes_per_host = Object.fromEntries(dom.lanes_per_host);

  // Checks that hold for every report.
  if (dom.lanes_without_attrs) fail('lane-attrs', `${dom.lanes_without_attrs} lanes lack data-host or data-slot`);
  if (!dom.status) fail('header', 'no #status in the header');
  if (!dom.diagnosis.sentence) fail('diagnosis', 'no #diagnosis .sentence');
  if (!dom.throughput_svg) fail('throughput', 'no SVG chart in #throughput');
  if (!dom.idle_svg) fail('idle', 'no SVG chart in #idle');

  if (opts.lanes != null && dom.lanes !== opts.lanes) fail('--lanes', `expected ${opts.lanes} lanes in #timeline, found ${dom.lanes}`);
  if (opts.hosts != null && dom.host_rows.length !== opts.hosts) fail('--hosts', `expected ${opts.hosts} rows in #hosts, found ${dom.host_rows.length}`);
  if (opts.cause != null && dom.diagnosis.cause !== opts.cause) fail('--cause', `expected cause ${JSON.stringify(opts.cause)}, found ${JSON.stringify(dom.diagnosis.cause)}`);
  if (opts.sentence != null && !(dom.diagnosis.sentence || '').includes(opts.sentence)) {
    fail('--sentence-contains', `the diagnosis ${JSON.stringify(dom.diagnosis.sentence)} does not contain ${JSON.stringify(opts.sentence)}`);
  }
  if (opts.status != null && dom.status !== opts.status) fail('--status', `expected status ${JSON.stringify(opts.status)}, found ${JSON.stringify(dom.status)}`);

  if (opts.hover) {
    // The embedded stats, to pick an attempt of the first lane that has one: the
    // longest, so that the middle of its bar is surely under the cursor.
    const pick = await page.evaluate(() => {
      const S = JSON.parse(document.getElementById('fanout-stats').textContent);
      const tl = document.getElementById('timeline');
      const t0 = Number(tl.dataset.t0), t1 = Number(tl.dataset.t1);
      const lanes = [...tl.querySelectorAll('.lane')];
      for (let li = 0; li < lanes.length; li++) {
        const lane = lanes[li], host = lane.dataset.host, slot = Number(lane.dataset.slot);
        let best = null;
        for (const t of S.tasks || []) for (const a of t.attempts || []) {
          if (a.host === host && Number(a.slot) === slot && (!best || a.end_s - a.start_s > best.a.end_s - best.a.start_s)) best = { t, a };
        }
        if (!best) continue;
        lane.scrollIntoView({ block: 'center' });
        const r = lane.getBoundingClientRect();
        const tm = (best.a.start_s + best.a.end_s) / 2;
        return {
          lane_index: li, host, slot, task: best.t.task, attempt: best.a.attempt,
          url: (S.objects[best.t.object] || {}).url, time_s: tm,
          x: r.left + (tm - t0) / (t1 - t0) * r.width, y: r.top + r.height / 2,
        };
      }
      return null;
    });
    if (!pick) {
      fail('--hover', 'no lane has an attempt to hover');
    } else {
      await page.mouse.move(pick.x - 30, pick.y);
      await page.mouse.move(pick.x, pick.y, { steps: 3 });
      let tip = null;
      try {
        await page.waitForFunction(() => {
          const t = document.getElementById('tooltip');
          if (!t) return false;
          const cs = getComputedStyle(t), r = t.getBoundingClientRect();
          return cs.display !== 'none' && cs.visibility !== 'hidden' && r.width > 0 && r.height > 0;
        }, { timeout: 5000, polling: 50 });
        tip = await page.evaluate(() => document.getElementById('tooltip').innerText);
      } catch (e) {
        fail('--hover', `#tooltip did not become visible over lane ${pick.host}/${pick.slot} at ${pick.time_s.toFixed(3)} s`);
      }
      summary.hover = { ...pick, tooltip: tip };
      if (tip != null && !tip.includes(pick.url)) {
        fail('--hover', `#tooltip does not name the attempt's object ${JSON.stringify(pick.url)}: ${JSON.stringify(tip)}`);
      }
    }
  }

  if (opts.screenshot) {
    fs.mkdirSync(path.dirname(path.resolve(opts.screenshot)), { recursive: true });
    await page.screenshot({ path: opts.screenshot, fullPage: true });
    summary.screenshot = path.resolve(opts.screenshot);
  }

  summary.load_ms = drawnMs == null ? null : Math.round(drawnMs);
  if (opts.timing) {
    // drawn_ms: from the navigation's start to data-ready, in the page's own clock;
    // wall_ms: from goto() to seeing data-ready here (includes the waits' polling).
    summary.timing = { drawn_ms: summary.load_ms, wall_ms: wallMs };
    console.error(`check_report: drawn ${summary.load_ms} ms after navigation start (${wallMs} ms seen from here)`);
  }

  summary.console_errors = consoleErrors;
  summary.page_errors = pageErrors;
  summary.blocked_requests = blocked;
  if (consoleErrors.length) fail('console', `console error: ${consoleErrors[0]}`);
  if (pageErrors.length) fail('pageerror', `page error: ${pageErrors[0]}`);
  if (blocked.length) fail('self-contained', `the page asked for ${blocked.length} resource(s), first ${blocked[0]}`);
} catch (e) {
  fail('run', String(e && e.stack ? e.stack : e));
} finally {
  await browser.close().catch(() => {});
}

summary.failures = failures;
console.log(JSON.stringify(summary, null, 2));
if (failures.length) {
  for (const f of failures) console.error(`check_report: FAIL [${f.check}] ${f.msg} (${file})`);
  code = 1;
} else {
  console.error(`check_report: ok (${path.basename(file)})`);
}
process.exit(code);
