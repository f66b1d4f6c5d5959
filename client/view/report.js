/* fixingahole report.html: the interactive flame graph. The tree comes
 * merged from C (flame_json.c) as a preorder array; this script rebuilds
 * the links, lays it out, and draws only the frames at least MIN_PX wide
 * at the current zoom, so a profile of 100k stacks draws a few thousand
 * elements. Written for fixingahole; no library. */
(function () {
  'use strict';
  var MIN_PX = 0.5;      /* narrower frames (and their callees) are not drawn */
  var MAX_FRAMES = 20000; /* a bound on the elements, whatever the shape */
  var ROW = 18;
  var KIND = ['python', 'native', 'system'];

  var source = document.getElementById('flame-data');
  var graph = document.getElementById('flame-graph');
  if (!source || !graph) return;
  var data = JSON.parse(source.textContent);
  var funcs = data.funcs, raw = data.nodes, n = raw.length / 5;
  var func = new Int32Array(n), parent = new Int32Array(n), depth = new Int32Array(n);
  var firstKid = new Int32Array(n).fill(-1), nextSib = new Int32Array(n).fill(-1);
  var x = new Float64Array(n), total = new Float64Array(n), kinds = new Float64Array(n * 3);

  /* Preorder with child counts: a stack of (node, children still to come). */
  (function rebuild() {
    var open = [], left = [], lastKid = new Int32Array(n).fill(-1), i, k;
    for (i = 0; i < n; i++) {
      func[i] = raw[i * 5];
      for (k = 0; k < 3; k++) kinds[i * 3 + k] = raw[i * 5 + 2 + k] / 1e6;
      total[i] = kinds[i * 3] + kinds[i * 3 + 1] + kinds[i * 3 + 2];
      while (open.length && left[left.length - 1] === 0) { open.pop(); left.pop(); }
      var up = open.length ? open[open.length - 1] : -1;
      parent[i] = up;
      if (up >= 0) {
        left[left.length - 1]--;
        depth[i] = depth[up] + 1;
        if (lastKid[up] < 0) { firstKid[up] = i; x[i] = x[up]; }
        else { nextSib[lastKid[up]] = i; x[i] = x[lastKid[up]] + total[lastKid[up]]; }
        lastKid[up] = i;
      }
      open.push(i); left.push(raw[i * 5 + 1]);
    }
  })();

  var grandTotal = n ? total[0] : 0;
  var zoomed = 0, matches = null;
  var tooltip = document.getElementById('flame-tooltip');
  var status = document.getElementById('flame-status');

  function name(i) { return i === 0 ? 'all' : funcs[func[i]][0]; }
  function where(i) {
    if (i === 0) return 'every sampled stack';
    var f = funcs[func[i]];
    // A native function (--native) has no line: its file is its object.
    return f[2] ? (f[3] ? f[2] + ':' + f[3] : f[2]) : '';
  }
  function pct(v, of) { return of > 0 ? (100 * v / of).toFixed(1) + '%' : '0.0%'; }
  function secs(v) { return v >= 1 ? v.toFixed(3) + ' s' : (v * 1e3).toFixed(1) + ' ms'; }

  /* Colour by the kind with the most time; the name varies the lightness
   * so neighbours stay apart. */
  function colour(i) {
    var best = 0, k, h = 0, s = name(i);
    for (k = 1; k < 3; k++) if (kinds[i * 3 + k] > kinds[i * 3 + best]) best = k;
    for (k = 0; k < s.length; k++) h = (h * 31 + s.charCodeAt(k)) % 997;
    var light = 55 + (h % 20);
    return ['hsl(28,90%,' + light + '%)', 'hsl(210,70%,' + light + '%)',
      'hsl(0,0%,' + (light + 5) + '%)'][best];
  }

  function addFrame(frag, i, left, width, row) {
    var el = document.createElement('div');
    el.className = 'frame' + (matches && matches[i] ? ' match' : '');
    el.style.left = left + 'px';
    el.style.width = Math.max(width - 1, 0.5) + 'px';
    el.style.top = row * ROW + 'px';
    el.style.background = colour(i);
    el.setAttribute('data-node', i);
    el.setAttribute('data-name', name(i));
    if (width > 30) el.textContent = name(i);
    frag.appendChild(el);
  }

  function render() {
    var started = performance.now();
    var width = graph.clientWidth || 1000, frag = document.createDocumentFragment();
    var scale = total[zoomed] > 0 ? width / total[zoomed] : 0, drawn = 0, rows = 0;
    /* The zoomed frame's callers, full width above it. */
    for (var a = zoomed, chain = []; a >= 0; a = parent[a]) chain.unshift(a);
    chain.forEach(function (c, r) { addFrame(frag, c, 0, width, r); drawn++; });
    var base = depth[zoomed], todo = firstKid[zoomed] >= 0 ? [firstKid[zoomed]] : [];
    while (todo.length && drawn < MAX_FRAMES) {
      var i = todo.pop();
      if (nextSib[i] >= 0) todo.push(nextSib[i]);
      var w = total[i] * scale;
      if (w < MIN_PX) continue;
      addFrame(frag, i, (x[i] - x[zoomed]) * scale, w, depth[i]);
      rows = Math.max(rows, depth[i] - base);
      drawn++;
      if (firstKid[i] >= 0) todo.push(firstKid[i]);
    }
    graph.textContent = '';
    graph.appendChild(frag);
    graph.style.height = (chain.length + rows) * ROW + 'px';
    graph.setAttribute('data-zoom', name(zoomed));
    graph.setAttribute('data-zoom-share', pct(total[zoomed], grandTotal));
    graph.setAttribute('data-frames', drawn);
    graph.setAttribute('data-render-ms', (performance.now() - started).toFixed(1));
    if (status) status.textContent = (zoomed ? 'Zoomed on ' + name(zoomed) + ' (' +
      pct(total[zoomed], grandTotal) + ' of the run). Click "all" or Reset to zoom out. ' : '') +
      drawn + ' frames drawn.';
  }

  function frameOf(target) {
    var el = target && target.closest ? target.closest('.frame') : null;
    return el ? +el.getAttribute('data-node') : -1;
  }

  graph.addEventListener('click', function (e) {
    var i = frameOf(e.target);
    if (i >= 0) { zoomed = i; render(); }
  });
  graph.addEventListener('mousemove', function (e) {
    var i = frameOf(e.target);
    if (i < 0 || !tooltip) { if (tooltip) tooltip.hidden = true; return; }
    var t = total[i], lines = [name(i) + '  ' + where(i),
      secs(t) + ', ' + pct(t, grandTotal) + ' of the run'];
    lines.push(KIND.map(function (kind, k) {
      return kind + ' ' + pct(kinds[i * 3 + k], t);
    }).join(' \u00b7 '));
    tooltip.textContent = lines.join('\n');
    tooltip.hidden = false;
    tooltip.style.left = (e.pageX + 12) + 'px';
    tooltip.style.top = (e.pageY + 12) + 'px';
  });
  graph.addEventListener('mouseleave', function () { if (tooltip) tooltip.hidden = true; });

  /* Search: frames whose name, qualname or file contain the text. The
   * matched share counts each stack once (a match under a match is not
   * added again). */
  function search(text) {
    text = text.trim().toLowerCase();
    var out = document.getElementById('flame-matched');
    if (!text) { matches = null; if (out) out.textContent = ''; render(); return; }
    var hit = funcs.map(function (f) {
      return (f[1] + ' ' + f[2]).toLowerCase().indexOf(text) >= 0;
    });
    matches = new Uint8Array(n);
    var sum = 0, covered = new Uint8Array(n);
    for (var i = 1; i < n; i++) {
      matches[i] = func[i] >= 0 && hit[func[i]] ? 1 : 0;
      covered[i] = covered[parent[i]] || matches[i];
      if (matches[i] && !covered[parent[i]]) sum += total[i];
    }
    if (out) out.textContent = 'Matched: ' + pct(sum, grandTotal);
    render();
  }
  var box = document.getElementById('flame-search'), timer = 0;
  if (box) box.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(box.value); }, 150);
  });
  var reset = document.getElementById('flame-reset');
  if (reset) reset.addEventListener('click', function () { zoomed = 0; render(); });
  window.addEventListener('resize', render);
  render();
  /* From navigation to the first drawing, parsing the tree included. */
  graph.setAttribute('data-ready-ms', performance.now().toFixed(0));
})();
