#!/usr/bin/env node
// Opens a fixingahole report.html in headless Chromium through the DevTools
// protocol (--remote-debugging-pipe: NUL-separated JSON on fds 3 and 4, no
// npm package), and prints what a user would see as one JSON object: the
// top function row and its share, the flame graph's frames, the line
// tables, the tooltip of a hovered frame, the zoom after a real mouse click
// on the frame named FUNCTION, and the share matched by a search for it.
//
// Usage: node browser_report.js CHROMIUM FILE.html FUNCTION
// Exit: 0 result printed; 3 the browser could not run here (reason on
// stderr, the caller skips); 1 anything else.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [chromium, file, wanted] = process.argv.slice(2);
if (!file || !fs.existsSync(file)) {
  process.stderr.write('no such page: ' + file + '\n');
  process.exit(1);
}
const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fah-chromium-'));
const browser = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu',
  '--no-first-run', '--remote-debugging-pipe', '--window-size=1280,900',
  '--user-data-dir=' + profileDir, 'about:blank'],
// Its own process group: the browser's helper processes (renderer, zygote,
// crash handler) write into the profile folder too, and end with it.
{ stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
let stderr = '', started = false, nextId = 1, pending = new Map(), buffered = '';
let finishing = false;

// Ends the browser and its helpers, then removes its profile folder (they
// write there until they end). A folder that cannot be removed is reported,
// not a failure of the page.
function finish(code, message) {
  if (finishing) return;
  finishing = true;
  if (message) process.stderr.write(message + '\n');
  const done = () => {
    try {
      fs.rmSync(profileDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    } catch (e) {
      process.stderr.write('left ' + profileDir + ': ' + e.code + '\n');
    }
    process.exit(code);
  };
  try {
    process.kill(-browser.pid, 'SIGKILL');
  } catch (e) {
    // the group is gone already
  }
  if (browser.exitCode !== null || browser.signalCode !== null) return done();
  browser.once('exit', done);
}
browser.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
browser.on('error', (e) => finish(3, 'chromium did not start: ' + e.message));
browser.on('exit', (code) => finish(started ? 1 : 3,
  'chromium exited (' + code + ') ' + (started ? 'during the test' : 'before answering') +
  ': ' + stderr.trim().split('\n').slice(-3).join(' | ')));
// Bounds a failure only; the steps below wait for events, not time.
setTimeout(() => finish(started ? 1 : 3, 'chromium did not ' +
  (started ? 'finish the checks' : 'answer') + ' within 40 s'), 40000).unref();

browser.stdio[4].on('data', (chunk) => {
  buffered += chunk.toString('utf8');
  let end;
  while ((end = buffered.indexOf('\0')) >= 0) {
    const msg = JSON.parse(buffered.slice(0, end));
    buffered = buffered.slice(end + 1);
    const waiter = pending.get(msg.id);
    if (waiter) {
      pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(JSON.stringify(msg.error)));
      else waiter.resolve(msg.result);
    }
  }
});

function send(method, params, sessionId) {
  const id = nextId++;
  const msg = { id, method, params: params || {} };
  if (sessionId) msg.sessionId = sessionId;
  browser.stdio[3].write(JSON.stringify(msg) + '\0');
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

async function evaluate(session, expression) {
  const r = await send('Runtime.evaluate',
    { expression, returnByValue: true, awaitPromise: true }, session);
  if (r.exceptionDetails) throw new Error('page: ' + JSON.stringify(r.exceptionDetails));
  return r.result.value;
}

// Resolves when the page says so; the page's own requestAnimationFrame paces it.
function until(session, condition) {
  return evaluate(session, `new Promise((ok) => { const t = () => (${condition}) ? ok(true)
    : requestAnimationFrame(t); t(); })`);
}

async function click(session, selector, type) {
  const box = await evaluate(session, `(() => { const e = ${selector};
    if (!e) return null; e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();
    return {x: r.left + Math.min(r.width / 2, 20), y: r.top + r.height / 2}; })()`);
  if (!box) throw new Error('no element ' + selector);
  await send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: box.x, y: box.y }, session);
  if (type === 'hover') return;
  for (const t of ['mousePressed', 'mouseReleased'])
    await send('Input.dispatchMouseEvent', { type: t, x: box.x, y: box.y, button: 'left',
      clickCount: 1 }, session);
}

async function main() {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  started = true;
  const { sessionId: s } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Page.enable', {}, s);
  await send('Page.navigate', { url: 'file://' + path.resolve(file) }, s);
  await until(s, `document.readyState === 'complete' &&
    document.getElementById('flame-graph') &&
    document.getElementById('flame-graph').hasAttribute('data-frames')`);
  const result = await evaluate(s, `(() => {
    const row = document.querySelector('#top-functions tr.function');
    const g = document.getElementById('flame-graph');
    return {
      title: document.title,
      top: row && {name: row.getAttribute('data-name'), share: row.getAttribute('data-share'),
                   text: row.innerText},
      frames: g.querySelectorAll('.frame').length,
      graphWidth: g.clientWidth,
      nodes: JSON.parse(document.getElementById('flame-data').textContent).nodes.length / 5,
      readyMs: +g.getAttribute('data-ready-ms'),
      lineTables: document.querySelectorAll('table.lines').length,
      lineBars: document.querySelectorAll('table.lines .bar span').length,
      threadRows: document.querySelectorAll('#thread-table tr').length - 1,
      external: [...document.querySelectorAll('[src],link[href]')].map((e) => e.outerHTML),
    }; })()`);
  // The widest frame of the wanted function: hover, then click it.
  const frame = `[...document.querySelectorAll('#flame-graph .frame')]
    .filter((e) => e.getAttribute('data-name') === ${JSON.stringify(wanted)})
    .sort((a, b) => b.offsetWidth - a.offsetWidth)[0]`;
  result.before = await evaluate(s, `(() => { const e = ${frame};
    return e ? {width: e.offsetWidth} : null; })()`);
  await click(s, frame, 'hover');
  await until(s, `!document.getElementById('flame-tooltip').hidden`);
  result.tooltip = await evaluate(s, `document.getElementById('flame-tooltip').textContent`);
  await click(s, frame, 'click');
  await until(s, `document.getElementById('flame-graph').getAttribute('data-zoom') !== 'all'`);
  result.zoom = await evaluate(s, `(() => { const g = document.getElementById('flame-graph');
    const e = ${frame};
    return {name: g.getAttribute('data-zoom'), share: g.getAttribute('data-zoom-share'),
            width: e ? e.offsetWidth : null, graphWidth: g.clientWidth,
            renderMs: +g.getAttribute('data-render-ms')}; })()`);
  await evaluate(s, `(() => { const b = document.getElementById('flame-search');
    b.value = ${JSON.stringify(wanted)}; b.dispatchEvent(new Event('input')); })()`);
  await until(s, `document.getElementById('flame-matched').textContent !== ''`);
  result.search = await evaluate(s, `({matched: document.getElementById('flame-matched')
    .textContent, highlighted: document.querySelectorAll('#flame-graph .frame.match').length})`);
  process.stdout.write(JSON.stringify(result) + '\n');
  finish(0);
}

main().catch((e) => finish(started ? 1 : 3, String(e && e.stack || e)));
