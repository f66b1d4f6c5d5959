// fixingahole flame graph: click a frame to zoom on it, click the bottom
// frame to zoom out, type in the search box to highlight. Frames carry
// their layout (data-x, data-w, in units of the whole graph's width).
(function () {
  'use strict';
  var svg = document.documentElement;
  var W = +svg.getAttribute('data-width'), frames = svg.querySelectorAll('g.f');
  var info = document.getElementById('info'), query = '';
  function fit(g, w) {
    var t = g.querySelector('text'), name = g.getAttribute('data-name');
    var room = Math.floor((w - 6) / 7);
    t.textContent = room < 3 ? '' : name.length <= room ? name : name.slice(0, room - 2) + '..';
  }
  function zoom(target) {
    var x0 = +target.getAttribute('data-x'), w0 = +target.getAttribute('data-w');
    var d0 = +target.getAttribute('data-depth');
    svg.setAttribute('data-zoom', target.getAttribute('data-name'));
    for (var i = 0; i < frames.length; i++) {
      var g = frames[i], x = +g.getAttribute('data-x'), w = +g.getAttribute('data-w');
      var d = +g.getAttribute('data-depth'), r = g.querySelector('rect');
      var inside = x >= x0 - 1e-9 && x + w <= x0 + w0 + 1e-9;
      var shown = d < d0 ? x <= x0 + 1e-9 && x + w >= x0 + w0 - 1e-9 : inside;
      g.style.display = shown ? '' : 'none';
      if (!shown) continue;
      var nx = d < d0 ? 0 : (x - x0) / w0 * W, nw = d < d0 ? W : w / w0 * W;
      r.setAttribute('x', nx); r.setAttribute('width', Math.max(nw - 0.5, 0.1));
      g.querySelector('text').setAttribute('x', nx + 3);
      fit(g, nw);
    }
  }
  svg.addEventListener('click', function (e) {
    var g = e.target.closest ? e.target.closest('g.f') : null;
    if (g) zoom(g);
  });
  var box = document.getElementById('search');
  if (box) box.addEventListener('click', function () {
    query = (window.prompt('Search functions and files', query) || '').toLowerCase();
    for (var i = 0; i < frames.length; i++) {
      var g = frames[i], hit = query && g.getAttribute('data-key').toLowerCase().indexOf(query) >= 0;
      g.querySelector('rect').style.fill = hit ? 'rgb(230,0,230)' : '';
    }
    info.textContent = query ? 'highlighted: ' + query : '';
  });
})();
