// theme-trends: the interactive share chart of index.html.
// Reads the JSON in #tt-data (written by src/report/interactive.rs) and
// draws each theme's share of each period as a stacked area in an inline
// SVG. Hover: #tt-tooltip shows the period, the theme, its share and its
// posts. Click: #tt-posts lists the theme's sampled posts of that period.
// #tt-filter keeps the themes whose label or top terms contain a word, in
// the chart and in the themes table. No library, no network.
(function () {
  "use strict";
  var dataEl = document.getElementById("tt-data");
  var chart = document.getElementById("tt-chart");
  if (!dataEl || !chart) return;
  var D = JSON.parse(dataEl.textContent);
  var tip = document.getElementById("tt-tooltip");
  var list = document.getElementById("tt-posts");
  var filter = document.getElementById("tt-filter");
  var shown = document.getElementById("tt-shown");
  var NS = "http://www.w3.org/2000/svg";
  var W = 1000, H = 380, L = 48, R = 12, T = 12, B = 30;
  var n = D.periods.length;
  var k = D.themes.length;
  var step = (W - L - R) / Math.max(n, 1);
  var visible = D.themes.map(function () { return true; });
  var samples = {};
  D.posts.forEach(function (p) { samples[p[0] + ":" + p[1]] = p; });
  var stacks = [];
  var ymax = 1;
  var svg = null;

  function share(t, b) {
    return D.totals[b] ? D.themes[t].counts[b] / D.totals[b] : 0;
  }
  function pct(x) { return (x * 100).toFixed(1) + "%"; }
  function cx(b) { return L + (b + 0.5) * step; }
  function y(v) { return T + (1 - v / ymax) * (H - T - B); }
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var a in attrs) e.setAttribute(a, attrs[a]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, yy, s, anchor) {
    var t = el("text", { x: x, y: yy, "font-size": 11, fill: "#555", "text-anchor": anchor || "middle" }, parent);
    t.textContent = s;
    return t;
  }
  // The outline of a series: a point at each period's centre, held flat
  // to the chart's edges.
  function line(vals, reverse) {
    var pts = [];
    for (var b = 0; b < n; b++) pts.push([cx(b), y(vals[b])]);
    pts.unshift([L, pts[0][1]]);
    pts.push([W - R, pts[pts.length - 1][1]]);
    if (reverse) pts.reverse();
    return pts.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" L");
  }

  function draw() {
    var base = new Array(n).fill(0);
    stacks = [];
    for (var t = 0; t < k; t++) {
      if (!visible[t]) { stacks.push(null); continue; }
      var lo = base.slice();
      for (var b = 0; b < n; b++) base[b] += share(t, b);
      stacks.push([lo, base.slice()]);
    }
    ymax = Math.max.apply(null, base.concat([1e-9]));
    chart.textContent = "";
    svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "theme share over time" }, chart);
    for (var i = 0; i <= 4; i++) {
      var v = ymax * i / 4;
      el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e4e4e4" }, svg);
      text(svg, L - 4, y(v) + 4, pct(v), "end");
    }
    var every = Math.max(1, Math.ceil(n / 10));
    for (var b2 = 0; b2 < n; b2 += every) text(svg, cx(b2), H - B + 16, D.periods[b2]);
    if (n > 0) {
      for (var t2 = 0; t2 < k; t2++) {
        if (!stacks[t2]) continue;
        el("path", {
          d: "M" + line(stacks[t2][1], false) + " L" + line(stacks[t2][0], true) + " Z",
          fill: D.themes[t2].color, "fill-opacity": 0.85, stroke: "#fff", "stroke-width": 0.3,
          "data-theme": D.themes[t2].id
        }, svg);
      }
    }
    var shownCount = visible.filter(Boolean).length;
    if (shown) shown.textContent = shownCount === k ? "" : shownCount + " of " + k + " themes shown";
  }

  // The (theme, period) under a point of the page, or null.
  function at(clientX, clientY) {
    if (!svg || n === 0) return null;
    var r = svg.getBoundingClientRect();
    var sx = (clientX - r.left) * W / r.width, sy = (clientY - r.top) * H / r.height;
    if (sx < L || sx > W - R || sy < T || sy > H - B) return null;
    var b = Math.min(n - 1, Math.max(0, Math.floor((sx - L) / step)));
    var v = ymax * (1 - (sy - T) / (H - T - B));
    for (var t = 0; t < k; t++) {
      var s = stacks[t];
      if (s && v >= s[0][b] && v < s[1][b]) return { t: t, b: b };
    }
    return null;
  }

  function put(parent, tag, s) {
    var e = document.createElement(tag);
    if (s !== undefined) e.textContent = s;
    parent.appendChild(e);
    return e;
  }
  function name(t) { return "T" + D.themes[t].id + " " + D.themes[t].label; }

  function hover(ev) {
    var hit = at(ev.clientX, ev.clientY);
    if (!hit) { tip.hidden = true; return; }
    var th = D.themes[hit.t];
    tip.textContent = "";
    put(tip, "b", D.periods[hit.b]);
    put(tip, "div", name(hit.t));
    put(tip, "div", "share " + pct(share(hit.t, hit.b)) + " · " + th.counts[hit.b] + " posts (of " + D.totals[hit.b] + ")");
    tip.style.left = (ev.clientX + 14) + "px";
    tip.style.top = (ev.clientY + 14) + "px";
    tip.hidden = false;
  }

  function showPosts(t, b) {
    var th = D.themes[t];
    list.textContent = "";
    put(list, "h3", name(t) + " · " + D.periods[b] + " · " + th.counts[b] + " posts");
    var cell = samples[t + ":" + b];
    var ol = put(list, "ol");
    ol.className = "titles";
    (cell ? cell[3] : []).forEach(function (p) {
      var li = put(ol, "li");
      var d = put(li, "span", p[1]);
      d.className = "muted";
      li.appendChild(document.createTextNode(" "));
      if (p[2]) {
        var a = put(li, "a", p[0]);
        a.href = D.prefix + p[2];
      } else {
        li.appendChild(document.createTextNode(p[0] + " "));
        put(li, "span", p[3]).className = "muted";
      }
    });
    var more = cell ? cell[2] : th.counts[b];
    if (more > 0) {
      var p = put(list, "p");
      p.className = "muted tt-more";
      p.appendChild(document.createTextNode(more + " more: see "));
      var a = put(p, "a", "the theme's section");
      a.href = "#theme-" + th.id;
      if (D.assignments) {
        p.appendChild(document.createTextNode(" and "));
        put(p, "a", D.assignments).href = D.assignments;
        p.appendChild(document.createTextNode(" (theme_id " + th.id + ")"));
      }
      p.appendChild(document.createTextNode("."));
    }
  }

  function applyFilter() {
    var w = filter.value.trim().toLowerCase();
    D.themes.forEach(function (th, t) {
      visible[t] = !w || th.label.toLowerCase().indexOf(w) >= 0 ||
        th.terms.some(function (x) { return x.toLowerCase().indexOf(w) >= 0; });
    });
    var rows = document.querySelectorAll("tr[data-theme-id]");
    for (var i = 0; i < rows.length; i++) {
      var id = +rows[i].getAttribute("data-theme-id");
      var t = D.themes.findIndex(function (th) { return th.id === id; });
      rows[i].style.display = t < 0 || visible[t] ? "" : "none";
    }
    draw();
  }

  chart.addEventListener("mousemove", hover);
  chart.addEventListener("mouseleave", function () { tip.hidden = true; });
  chart.addEventListener("click", function (ev) {
    var hit = at(ev.clientX, ev.clientY);
    if (hit) showPosts(hit.t, hit.b);
  });
  if (filter) filter.addEventListener("input", applyFilter);
  draw();

  // For tests and measurements: where a (theme id, period) band's middle
  // is on the page, and when the chart was first drawn.
  window.ttChart = {
    point: function (id, b) {
      var t = D.themes.findIndex(function (th) { return th.id === id; });
      if (t < 0 || !stacks[t] || !svg) return null;
      var r = svg.getBoundingClientRect();
      var mid = y((stacks[t][0][b] + stacks[t][1][b]) / 2);
      return { x: r.left + cx(b) * r.width / W, y: r.top + mid * r.height / H };
    }
  };
  chart.setAttribute("data-drawn-ms", Math.round(performance.now()));
})();
