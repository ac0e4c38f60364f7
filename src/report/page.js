// theme-trends: the interactive charts of index.html, drawn with Apache
// ECharts (inlined before this script, from data/echarts). Reads the JSON
// in #tt-data, written by src/report/interactive.rs:
// - #tt-chart: the theme shares as a stacked area: the themes, or their
//   super-themes when more than twelve are shown. A zoom slider; the
//   legend (click hides a band, double-click shows it alone); a tooltip
//   with each band's share and posts of the period, the denominator said;
//   the events as pins (click: the event's posts); save as image.
// - #tt-posts: a band's posts of a period (click on the band) or an
//   event's (click on its pin).
// - #tt-units, #tt-modes: day/week/month and share/posts. Periods are added
//   up here from the embedded counts (of days, or of the shortest period
//   that fitted the page's bound).
// - #tt-filter: keeps the themes whose label or top terms hold a word, in
//   the chart and in the themes table.
// - .tt-small: each theme's share (raw, smoothed, bursts, events), and
//   .tt-facet: the theme shares within a facet's largest values; both drawn
//   when they scroll into view.
// Text from the archive goes into the page with textContent, or escaped
// (esc) where ECharts takes HTML (the tooltips). No network.
(function () {
  "use strict";
  var dataEl = document.getElementById("tt-data");
  var chartEl = document.getElementById("tt-chart");
  if (!dataEl || !chartEl || typeof echarts === "undefined") return;
  var D = JSON.parse(dataEl.textContent);
  var list = document.getElementById("tt-posts");
  var filter = document.getElementById("tt-filter");
  var shownEl = document.getElementById("tt-shown");
  var UNITS = ["day", "week", "month"];
  var FONT = "'WenQuanYi Micro Hei','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif";
  var EVENTS = "事件 · events";
  var OTHER = "其他 · other";
  var PINS = 25; // event pins drawn at most: the strongest in the zoomed range
  var DAY_MS = 86400000;

  // ---- text -------------------------------------------------------------
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function pct(x) { return (x * 100).toFixed(1) + "%"; }
  function themeName(t) { return "T" + D.themes[t].id + " " + D.themes[t].label; }
  function put(parent, tag, s) {
    var e = document.createElement(tag);
    if (s !== undefined) e.textContent = s;
    parent.appendChild(e);
    return e;
  }

  // ---- time (days since 1970-01-01, UTC) ---------------------------------
  function ymd(e) { return new Date(e * DAY_MS).toISOString().slice(0, 10); }
  function monthStart(e, add) {
    var d = new Date(e * DAY_MS), m = new Date(0);
    m.setUTCFullYear(d.getUTCFullYear(), d.getUTCMonth() + (add || 0), 1);
    return Math.round(m.getTime() / DAY_MS);
  }
  function periodStart(e, u) {
    if (u === "day") return e;
    if (u === "week") return e - (((e + 3) % 7) + 7) % 7; // Monday
    return monthStart(e, 0);
  }
  function nextStart(s, u) { return u === "day" ? s + 1 : u === "week" ? s + 7 : monthStart(s, 1); }
  function periodLabel(s, u) { return u === "month" ? ymd(s).slice(0, 7) : ymd(s); }
  function rank(u) { return UNITS.indexOf(u); }

  // ---- the embedded counts -----------------------------------------------
  function unrle(a) {
    var out = [];
    for (var i = 0; i < a.length; i++) {
      if (a[i] < 0) for (var j = 0; j < -a[i]; j++) out.push(0);
      else out.push(a[i]);
    }
    return out;
  }
  var K = D.themes.length;
  var baseCounts = D.themes.map(function (th) { return unrle(th.counts); });
  var baseStarts = [];
  for (var i0 = 0, s0 = D.first; i0 < D.n; i0++) { baseStarts.push(s0); s0 = nextStart(s0, D.base); }

  // The periods of unit u that have posts (as in trends.csv), with each
  // theme's posts and all posts: {unit, buckets: [{start, end, label,
  // total, partial}], counts: [theme][bucket]}.
  var views = {};
  function view(u) {
    if (rank(u) < rank(D.base)) u = D.base;
    if (views[u]) return views[u];
    var starts = [], of = [];
    for (var i = 0; i < baseStarts.length; i++) {
      var s = periodStart(baseStarts[i], u);
      if (!starts.length || starts[starts.length - 1] !== s) starts.push(s);
      of.push(starts.length - 1);
    }
    var all = baseCounts.map(function (row) {
      var c = new Array(starts.length).fill(0);
      for (var i = 0; i < row.length; i++) c[of[i]] += row[i];
      return c;
    });
    var totals = new Array(starts.length).fill(0);
    all.forEach(function (c) { for (var b = 0; b < c.length; b++) totals[b] += c[b]; });
    var keep = [];
    for (var b = 0; b < starts.length; b++) if (totals[b] > 0) keep.push(b);
    var buckets = keep.map(function (b) {
      var end = nextStart(starts[b], u) - 1;
      return {
        start: starts[b], end: end, label: periodLabel(starts[b], u), total: totals[b],
        partial: starts[b] < D.span[0] || end > D.span[1]
      };
    });
    views[u] = {
      unit: u, buckets: buckets,
      counts: all.map(function (c) { return keep.map(function (b) { return c[b]; }); })
    };
    return views[u];
  }
  // The bucket of v holding day e, or -1.
  function bucketOf(v, e) {
    var lo = 0, hi = v.buckets.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1, b = v.buckets[mid];
      if (e < b.start) hi = mid - 1; else if (e > b.end) lo = mid + 1; else return mid;
    }
    return -1;
  }
  // The buckets of v that overlap days [a, z]: [first, last], or null.
  function bucketsIn(v, a, z) {
    var first = -1, last = -1;
    for (var b = 0; b < v.buckets.length; b++) {
      if (v.buckets[b].end >= a && v.buckets[b].start <= z) { if (first < 0) first = b; last = b; }
    }
    return first < 0 ? null : [first, last];
  }

  // ---- posts and events --------------------------------------------------
  var postsOf = [];
  D.posts.forEach(function (p) { (postsOf[p[0]] = postsOf[p[0]] || []).push(p); });
  var eventById = {};
  D.events.forEach(function (e) { eventById[e.id] = e; });
  // Strongest first: the highest score (how surprising the event is).
  var byStrength = D.events.slice().sort(function (a, b) { return b.score - a.score || a.id - b.id; });
  function eventName(e) { return "E" + e.id + " " + e.label; }
  function dateRange(a, z) { return a === z ? ymd(a) : ymd(a) + " – " + ymd(z); }
  function link(parent, text, href) {
    var a = put(parent, "a", text);
    a.href = href;
    return a;
  }
  // A list of posts, each {date, title, href, shown}: the title linked to
  // the post's file, or followed by its path when it has none.
  function postItems(parent, rows) {
    var ol = put(parent, "ol");
    ol.className = "titles";
    rows.forEach(function (p) {
      var li = put(ol, "li");
      if (p.date) { put(li, "span", p.date).className = "muted"; li.appendChild(document.createTextNode(" ")); }
      if (p.href) link(li, p.title, D.prefix + p.href);
      else {
        li.appendChild(document.createTextNode(p.title + " "));
        put(li, "span", p.shown).className = "muted";
      }
    });
    return ol;
  }

  // Theme t's listed posts in bucket bk: the closest to its centre.
  function listTheme(parent, t, bk, n) {
    var rows = (postsOf[t] || []).filter(function (p) { return p[1] >= bk.start && p[1] <= bk.end; })
      .slice(0, D.periodSample);
    postItems(parent, rows.map(function (p) { return { date: ymd(p[1]), title: p[2], href: p[3], shown: p[4] }; }));
    var more = n - rows.length;
    if (more > 0) {
      var p = put(parent, "p");
      p.className = "muted tt-more";
      p.appendChild(document.createTextNode(more + " more: see "));
      link(p, "the theme's section", "#theme-" + D.themes[t].id);
      if (D.assignments) {
        p.appendChild(document.createTextNode(" and "));
        link(p, D.assignments, D.assignments);
        p.appendChild(document.createTextNode(" (theme_id " + D.themes[t].id + ")"));
      }
      p.appendChild(document.createTextNode("."));
    }
  }

  // ---- the share chart ---------------------------------------------------
  var visible = D.themes.map(function () { return true; });
  var state = { unit: D.unit, mode: "share", selected: {}, event: null, zoom: null };
  var current = null; // {v, bands}
  var pointer = null; // [x, y] in the chart, the last mouse position
  var chart = echarts.init(chartEl, null, { renderer: "canvas" });

  // The bands: the shown themes when twelve or fewer, else super-themes
  // (their shown members added up). Each {name, color, members}.
  function bands() {
    var shown = [];
    for (var t = 0; t < K; t++) if (visible[t]) shown.push(t);
    if (shown.length <= D.maxBands) {
      return shown.map(function (t) { return { name: themeName(t), color: D.themes[t].color, members: [t] }; });
    }
    return D.groups.map(function (g) {
      var m = g.themes.filter(function (t) { return visible[t]; });
      var name = g.other ? OTHER :
        m.length > 1 ? themeName(m[0]) + " 等" + m.length + "个主题" : m.length ? themeName(m[0]) : "";
      return { name: name, color: g.color, members: m };
    }).filter(function (b) { return b.members.length; });
  }
  function bandCount(v, band, b) {
    var n = 0;
    band.members.forEach(function (t) { n += v.counts[t][b]; });
    return n;
  }
  function bandValue(v, band, b) {
    var n = bandCount(v, band, b);
    return state.mode === "share" ? n / v.buckets[b].total : n;
  }
  function isOn(name) { return state.selected[name] !== false; }
  // The shown bands' stack at bucket b: [[lo, hi] per band].
  function stackAt(b) {
    var y = 0;
    return current.bands.map(function (band) {
      if (!isOn(band.name)) return null;
      var lo = y;
      y += bandValue(current.v, band, b);
      return [lo, y];
    });
  }
  function stackTop(b) {
    var s = stackAt(b), top = 0;
    s.forEach(function (r) { if (r) top = r[1]; });
    return top;
  }
  // The band under chart pixel [x, y]: {band, b}, or null.
  function hit(px) {
    if (!px || !chart.containPixel({ gridIndex: 0 }, px)) return null;
    var val = chart.convertFromPixel({ gridIndex: 0 }, px);
    var b = Math.round(val[0]);
    if (!(b >= 0 && b < current.v.buckets.length)) return null;
    var s = stackAt(b);
    for (var i = 0; i < s.length; i++) if (s[i] && val[1] >= s[i][0] && val[1] < s[i][1]) return { band: i, b: b };
    return null;
  }
  function zoomRange() {
    var n = current.v.buckets.length;
    var dz = (chart.getOption().dataZoom || [])[0];
    if (!dz) return [0, n - 1];
    var a = typeof dz.startValue === "number" ? dz.startValue : 0;
    var z = typeof dz.endValue === "number" ? dz.endValue : n - 1;
    return [Math.max(0, a), Math.min(n - 1, z)];
  }

  function tooltip(params) {
    var p = params && params[0];
    if (!p) return "";
    var v = current.v, b = p.dataIndex, bk = v.buckets[b];
    if (!bk) return "";
    var under = hit(pointer);
    var h = "<div><b>" + esc(bk.label) + "</b> · " + bk.total + " posts" + (bk.partial ? " (partial period)" : "") + "</div>";
    for (var i = current.bands.length - 1; i >= 0; i--) {
      var band = current.bands[i];
      if (!isOn(band.name)) continue;
      var n = bandCount(v, band, b);
      h += "<div class=\"tt-row" + (under && under.band === i && under.b === b ? " tt-hit" : "") + "\">" +
        "<span class=\"tt-sw\" style=\"background:" + esc(band.color) + "\"></span>" + esc(band.name) +
        ": " + pct(n / bk.total) + " · " + n + " of " + bk.total + " posts in " + esc(bk.label) + "</div>";
    }
    var evs = eventsAt(v, b);
    if (evs.length && isOn(EVENTS)) {
      h += "<div class=\"muted\">" + evs.slice(0, 5).map(function (e) { return esc(eventName(e)) + " (" + e.posts + " posts)"; }).join("<br>") +
        (evs.length > 5 ? "<br>… " + (evs.length - 5) + " more events" : "") + "</div>";
    }
    return h;
  }

  // The events of bucket b of v (their peak in it), strongest first.
  function eventsAt(v, b) {
    return byStrength.filter(function (e) { return peakBucket(v, e) === b; });
  }
  function peakBucket(v, e) {
    var b = bucketOf(v, e.peak);
    return b < 0 ? bucketOf(v, e.start) : b;
  }
  // The events series: a pin on each of the periods of the zoomed range
  // with the strongest events (one pin a period: its strongest event), and
  // the span of the chosen event.
  function eventSeries() {
    var v = current.v, r = current.zoomed || [0, v.buckets.length - 1];
    var pins = [], taken = {};
    for (var i = 0; i < byStrength.length && pins.length < PINS; i++) {
      var e = byStrength[i], b = peakBucket(v, e);
      if (b < r[0] || b > r[1] || taken[b]) continue;
      taken[b] = true;
      pins.push({ name: eventName(e), value: "E" + e.id, coord: [b, stackTop(b)], eid: e.id });
    }
    var area = [];
    var chosen = state.event !== null && eventById[state.event];
    if (chosen) {
      var span = bucketsIn(v, chosen.start, chosen.end);
      if (span) area.push([{ xAxis: span[0], name: eventName(chosen) }, { xAxis: span[1] }]);
    }
    return {
      name: EVENTS, type: "line", data: [], color: "#c23531", symbol: "none",
      markPoint: {
        symbol: "pin", symbolSize: 42, data: pins,
        label: { formatter: function (q) { return q.value; }, fontSize: 9, color: "#fff" },
        itemStyle: { color: "#c23531" },
        tooltip: { formatter: function (q) { var e = eventById[q.data.eid]; return e ? esc(eventName(e)) + "<br>" + esc(dateRange(e.start, e.end)) + " · " + e.posts + " posts" : ""; } }
      },
      // z: above the bands (a mark area is drawn below its series' lines by
      // default, and so under the other bands), its label readable.
      markArea: {
        silent: true, z: 10, data: area, itemStyle: { color: "rgba(194,53,49,0.12)" },
        label: { position: "insideTop", color: "#8b1a1a", fontSize: 12, backgroundColor: "rgba(255,255,255,0.85)", padding: [2, 4], borderRadius: 2 }
      }
    };
  }

  // The legend's items wrap within this width (pixels); the "all" and
  // "invert" buttons stand before them, beside the box (ECharts lays them
  // out outside it).
  var SELECTOR = 160;
  function legendWidth() { return Math.max(300, chartEl.clientWidth - 8 - SELECTOR - 16); }
  // Lines the legend takes: every band is named in full (and in an
  // exported image).
  var measure = document.createElement("canvas").getContext("2d");
  function legendLines() {
    measure.font = "12px " + FONT;
    var width = legendWidth(), lines = 1, x = 0;
    current.bands.map(function (b) { return b.name; }).concat([EVENTS]).forEach(function (n) {
      var w = measure.measureText(n).width + 25 + 10;
      if (x > 0 && x + w > width) { lines++; x = 0; }
      x += w;
    });
    return lines;
  }
  function mainOption() {
    var v = current.v, share = state.mode === "share";
    var labels = v.buckets.map(function (bk) { return bk.label; });
    var series = current.bands.map(function (band) {
      return {
        name: band.name, type: "line", stack: "all", symbol: "none", color: band.color,
        lineStyle: { width: 0.6 }, areaStyle: { opacity: 0.85 }, emphasis: { focus: "series" },
        data: labels.map(function (_, b) { return bandValue(v, band, b); })
      };
    });
    series.push(eventSeries());
    var z = current.zoomed || [0, labels.length - 1];
    return {
      animation: false,
      textStyle: { fontFamily: FONT },
      title: {
        text: "主题份额 · theme share by " + v.unit + (share ? "" : " (posts)"),
        subtext: share ? "份额 = 该主题篇数 / 该期全部篇数 · share = the band's posts / all posts of the " + v.unit
          : "篇数 · posts per " + v.unit,
        left: 8, top: 4, textStyle: { fontSize: 16 }, subtextStyle: { fontSize: 12 }
      },
      tooltip: {
        trigger: "axis", className: "tt-tip", confine: true, formatter: tooltip,
        axisPointer: { type: "line" }, textStyle: { fontFamily: FONT, fontSize: 12 }
      },
      legend: {
        top: 52, left: 8, width: legendWidth(), selectorPosition: "start",
        data: current.bands.map(function (b) { return b.name; }).concat([EVENTS]),
        selected: state.selected,
        selector: [{ type: "all", title: "全选 · all" }, { type: "inverse", title: "反选 · invert" }]
      },
      toolbox: {
        right: 12, top: 4,
        feature: {
          saveAsImage: {
            title: "保存图片 · save as image", name: "theme_share_" + v.unit,
            pixelRatio: 2, backgroundColor: "#fff", excludeComponents: ["toolbox", "dataZoom"]
          }
        }
      },
      grid: { left: 64, right: 28, top: 82 + 22 * legendLines() + 44, bottom: 72 },
      xAxis: { type: "category", data: labels, boundaryGap: false },
      yAxis: {
        type: "value", min: 0,
        // Shares stack to 1 (or less with bands hidden): no 120% for a sum
        // of 1.0000000002.
        max: share ? function (e) { return Math.min(1, Math.ceil(e.max * 20 - 1e-9) / 20); } : null,
        axisLabel: { formatter: share ? function (x) { return (x * 100).toFixed(0) + "%"; } : "{value}" }
      },
      dataZoom: [
        { type: "slider", startValue: z[0], endValue: z[1], bottom: 16, labelFormatter: function (i) { return labels[i] || ""; } },
        { type: "inside", startValue: z[0], endValue: z[1] }
      ],
      series: series
    };
  }

  // Redraws the share chart; keeps the zoomed stretch of time.
  function drawMain() {
    var days = null;
    if (current) {
      var r = zoomRange();
      days = [current.v.buckets[r[0]].start, current.v.buckets[r[1]].end];
    }
    current = { v: view(state.unit), bands: bands() };
    var n = current.v.buckets.length;
    current.zoomed = [0, Math.max(0, n - 1)];
    if (days && n) {
      var a = bucketOf(current.v, days[0]), z = bucketOf(current.v, days[1]);
      current.zoomed = [a < 0 ? 0 : a, z < 0 ? n - 1 : z];
    }
    chart.setOption(mainOption(), { notMerge: true });
    var shown = visible.filter(Boolean).length;
    if (shownEl) shownEl.textContent = shown === K ? "" : shown + " of " + K + " themes shown";
    pressed();
  }
  // Moves the pins after a zoom or a change of the shown bands.
  function redrawPins() {
    chart.setOption({ series: [{ name: EVENTS, markPoint: eventSeries().markPoint, markArea: eventSeries().markArea }] });
  }

  function showPosts(hitAt) {
    var v = current.v, band = current.bands[hitAt.band], bk = v.buckets[hitAt.b];
    var n = bandCount(v, band, hitAt.b);
    list.textContent = "";
    put(list, "h3", band.name + " · " + bk.label + " · " + n + " posts (of " + bk.total + ")");
    if (band.members.length === 1) {
      listTheme(list, band.members[0], bk, n);
      return;
    }
    band.members
      .map(function (t) { return [t, v.counts[t][hitAt.b]]; })
      .filter(function (x) { return x[1] > 0; })
      .sort(function (x, y) { return y[1] - x[1] || x[0] - y[0]; })
      .forEach(function (x) {
        put(list, "h4", themeName(x[0]) + " · " + x[1] + " posts");
        listTheme(list, x[0], bk, x[1]);
      });
  }

  function showEvent(id) {
    var e = eventById[id];
    if (!e) return;
    state.event = id;
    list.textContent = "";
    put(list, "h3", eventName(e) + " · " + dateRange(e.start, e.end) + " · " + e.posts + " posts");
    var p = put(list, "p");
    p.className = "muted";
    p.textContent = "Peak " + periodLabel(e.peak, D.g) + (e.theme === null ? "; in several themes." : "; mostly in ");
    if (e.theme !== null) {
      link(p, themeName(e.theme), "#theme-" + D.themes[e.theme].id);
      p.appendChild(document.createTextNode("."));
    }
    postItems(list, e.reps.map(function (r) { return { date: "", title: r[0], href: r[1], shown: r[2] }; }));
    var all = put(list, "p");
    all.className = "tt-event-link";
    all.appendChild(document.createTextNode("All its posts: "));
    link(all, "events/event_" + e.id + ".html", "events/event_" + e.id + ".html");
    var others = eventsAt(current.v, peakBucket(current.v, e)).filter(function (x) { return x.id !== e.id; });
    if (others.length) {
      var o = put(list, "p");
      o.className = "muted tt-other-events";
      o.appendChild(document.createTextNode("Other events of " + current.v.buckets[peakBucket(current.v, e)].label + ": "));
      others.forEach(function (x, i) {
        if (i) o.appendChild(document.createTextNode(" · "));
        var a = link(o, eventName(x) + " (" + x.posts + ")", "#tt-posts");
        a.addEventListener("click", function (ev) { ev.preventDefault(); showEvent(x.id); });
      });
    }
    redrawPins();
  }

  var lastToggle = { name: null, at: 0 };
  chart.on("legendselectchanged", function (ev) {
    var now = Date.now();
    state.selected = Object.assign({}, ev.selected);
    if (ev.name === lastToggle.name && now - lastToggle.at < 500) {
      // A double click: that band alone (the events keep their state).
      var only = {};
      Object.keys(ev.selected).forEach(function (n) { only[n] = n === ev.name || (n === EVENTS && ev.selected[EVENTS] !== false); });
      only[ev.name] = true;
      state.selected = only;
      chart.setOption({ legend: { selected: only } });
      lastToggle = { name: null, at: 0 };
    } else {
      lastToggle = { name: ev.name, at: now };
    }
    redrawPins();
  });
  chart.on("legendselectall", function (ev) { state.selected = Object.assign({}, ev.selected); redrawPins(); });
  chart.on("legendinverseselect", function (ev) { state.selected = Object.assign({}, ev.selected); redrawPins(); });
  chart.on("datazoom", function () {
    current.zoomed = zoomRange();
    redrawPins();
  });
  var pinClicked = 0;
  chart.on("click", function (p) {
    if (p.componentType === "markPoint" && p.data && p.data.eid !== undefined) {
      pinClicked = Date.now();
      showEvent(p.data.eid);
    }
  });
  chart.getZr().on("click", function (ev) {
    if (Date.now() - pinClicked < 50) return;
    var h = hit([ev.offsetX, ev.offsetY]);
    if (h) showPosts(h);
  });
  // Before ECharts' own handlers, so that the tooltip knows the band.
  chartEl.addEventListener("mousemove", function (ev) {
    var r = chartEl.getBoundingClientRect();
    pointer = [ev.clientX - r.left, ev.clientY - r.top];
  }, true);

  // ---- switches and the filter ---------------------------------------------
  function pressed() {
    var b = document.querySelectorAll("#tt-units button, #tt-modes button");
    for (var i = 0; i < b.length; i++) {
      var on = b[i].getAttribute("data-unit") === current.v.unit || b[i].getAttribute("data-mode") === state.mode;
      b[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
  }
  function onButtons(sel, f) {
    var b = document.querySelectorAll(sel);
    for (var i = 0; i < b.length; i++) b[i].addEventListener("click", f);
  }
  onButtons("#tt-units button", function (ev) {
    state.unit = ev.currentTarget.getAttribute("data-unit");
    drawMain();
    redrawSmall();
  });
  onButtons("#tt-modes button", function (ev) {
    state.mode = ev.currentTarget.getAttribute("data-mode");
    drawMain();
  });
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
    drawMain();
  }
  if (filter) filter.addEventListener("input", applyFilter);

  // ---- each theme's chart and the facet charts, drawn when seen -------------
  var small = {}; // element → instance, drawn
  // The centred rolling mean over w periods (as share_smoothed).
  function smooth(xs, w) {
    var right = Math.floor((w + 1) / 2), out = [];
    for (var i = 0; i < xs.length; i++) {
      var lo = Math.max(0, i - (w - right)), hi = Math.min(xs.length, i + right), s = 0;
      for (var j = lo; j < hi; j++) s += xs[j];
      out.push(s / (hi - lo));
    }
    return out;
  }
  var THEME_PINS = 5; // event pins on a theme's chart: its strongest events
  function themeOption(t) {
    var v = view(state.unit), th = D.themes[t];
    var ms = function (e) { return e * DAY_MS; };
    var share = v.counts[t].map(function (n, b) { return n / v.buckets[b].total; });
    var smoothed = smooth(share, D.smooth);
    var areas = [];
    D.bursts.forEach(function (bu) {
      if (bu[0] === t) areas.push([{ xAxis: ms(bu[1]), itemStyle: { color: "rgba(214,39,40,0.13)" } }, { xAxis: ms(bu[2] + 1) }]);
    });
    v.buckets.forEach(function (bk) {
      if (bk.partial) areas.push([{ xAxis: ms(bk.start), itemStyle: { color: "rgba(0,0,0,0.07)" } }, { xAxis: ms(bk.end + 1) }]);
    });
    var pins = byStrength.filter(function (e) { return e.theme === t; }).slice(0, THEME_PINS).map(function (e) {
      var b = peakBucket(v, e);
      return b < 0 ? null : { name: eventName(e), value: "E" + e.id, coord: [ms(v.buckets[b].start), share[b]], eid: e.id };
    }).filter(Boolean);
    function points(ys) { return ys.map(function (y, b) { return [ms(v.buckets[b].start), y]; }); }
    return {
      animation: false,
      useUTC: true,
      textStyle: { fontFamily: FONT },
      title: { text: themeName(t), subtext: "share by " + v.unit + ": raw (faint), smoothed over " + D.smooth + " " + v.unit + "s (bold); bursts red, partial periods grey; pins: its strongest events", left: 8, top: 0, textStyle: { fontSize: 13 }, subtextStyle: { fontSize: 11 } },
      tooltip: {
        trigger: "axis", className: "tt-tip", confine: true, textStyle: { fontFamily: FONT, fontSize: 12 },
        formatter: function (ps) {
          var b = ps && ps[0] && ps[0].dataIndex, bk = v.buckets[b];
          if (!bk) return "";
          var n = v.counts[t][b];
          return "<b>" + esc(bk.label) + "</b>" + (bk.partial ? " (partial period)" : "") + "<br>" + esc(themeName(t)) + ": " +
            pct(n / bk.total) + " · " + n + " of " + bk.total + " posts in " + esc(bk.label) + "<br>smoothed " + pct(smoothed[b]);
        }
      },
      toolbox: { right: 8, top: 0, feature: { saveAsImage: { title: "保存图片 · save as image", name: "theme_" + th.id + "_" + v.unit, pixelRatio: 2, backgroundColor: "#fff", excludeComponents: ["toolbox"] } } },
      grid: { left: 56, right: 20, top: 62, bottom: 28 },
      xAxis: { type: "time" },
      yAxis: { type: "value", min: 0, axisLabel: { formatter: function (x) { return (x * 100).toFixed(0) + "%"; } } },
      series: [
        { name: "share", type: "line", symbol: "none", color: th.color, lineStyle: { width: 1, opacity: 0.45 }, data: points(share) },
        {
          name: "smoothed", type: "line", symbol: "none", color: th.color, lineStyle: { width: 2.4 }, data: points(smoothed),
          markArea: { silent: true, data: areas },
          markPoint: { symbol: "pin", symbolSize: 34, data: pins, itemStyle: { color: "#c23531" }, label: { formatter: function (q) { return q.value; }, fontSize: 8, color: "#fff" } }
        }
      ]
    };
  }
  function facetOption(f) {
    var F = D.facets[f];
    // Facet counts are by the report's period: they can be added up, not split.
    var u = rank(state.unit) < rank(D.g) ? D.g : state.unit;
    var starts = [], of = [];
    D.periods.forEach(function (p) {
      var s = periodStart(p, u);
      if (!starts.length || starts[starts.length - 1] !== s) starts.push(s);
      of.push(starts.length - 1);
    });
    function add(row) {
      var c = new Array(starts.length).fill(0);
      row.forEach(function (n, i) { c[of[i]] += n; });
      return c;
    }
    var labels = starts.map(function (s) { return periodLabel(s, u); });
    var vals = F.values, cols = vals.length <= 3 ? vals.length : 3, rows = Math.ceil(vals.length / cols);
    var grids = [], xs = [], ys = [], titles = [], series = [], names = {};
    vals.forEach(function (val, i) {
      var r = Math.floor(i / cols), c = i % cols;
      var left = 4 + c * (96 / cols), top = 14 + r * (74 / rows);
      grids.push({ left: left + 3 + "%", width: 96 / cols - 6 + "%", top: top + 5 + "%", height: 74 / rows - 12 + "%" });
      titles.push({ text: val.value + " · " + val.posts + " 篇", left: left + 1 + "%", top: top + "%", textStyle: { fontSize: 12 } });
      xs.push({ type: "category", gridIndex: i, data: labels, boundaryGap: false, axisLabel: { fontSize: 10 } });
      ys.push({ type: "value", gridIndex: i, min: 0, max: 1, axisLabel: { fontSize: 10, formatter: function (x) { return (x * 100).toFixed(0) + "%"; } } });
      var totals = add(unrle(val.totals)), rest = totals.slice();
      function shares(counts) { return counts.map(function (n, b) { return totals[b] ? n / totals[b] : null; }); }
      val.themes.forEach(function (t, j) {
        var counts = add(unrle(val.counts[j]));
        counts.forEach(function (n, b) { rest[b] -= n; });
        names[themeName(t)] = true;
        series.push({ name: themeName(t), type: "line", stack: "v" + i, xAxisIndex: i, yAxisIndex: i, symbol: "none", color: D.themes[t].color, lineStyle: { width: 0.5 }, areaStyle: { opacity: 0.85 }, data: shares(counts), facetCounts: counts, facetTotals: totals });
      });
      names[OTHER] = true;
      series.push({ name: OTHER, type: "line", stack: "v" + i, xAxisIndex: i, yAxisIndex: i, symbol: "none", color: "#bbbbbb", lineStyle: { width: 0.5 }, areaStyle: { opacity: 0.85 }, data: shares(rest), facetCounts: rest, facetTotals: totals });
    });
    titles.unshift({ text: F.facet + " 各取值的主题占比 · theme shares within each " + F.facet + " (by " + u + ", the " + vals.length + " largest of " + F.distinct + " values)", left: 8, top: 0, textStyle: { fontSize: 14 } });
    return {
      animation: false,
      textStyle: { fontFamily: FONT },
      title: titles,
      legend: { type: "scroll", bottom: 0, data: Object.keys(names) },
      tooltip: {
        trigger: "axis", className: "tt-tip", confine: true, textStyle: { fontFamily: FONT, fontSize: 12 },
        formatter: function (ps) {
          if (!ps || !ps.length) return "";
          var b = ps[0].dataIndex, s0 = series[ps[0].seriesIndex], total = s0.facetTotals[b];
          var h = "<b>" + esc(labels[b]) + "</b> · " + esc(vals[s0.xAxisIndex].value) + " · " + total + " posts";
          ps.slice().reverse().forEach(function (p) {
            var s = series[p.seriesIndex], n = s.facetCounts[b];
            h += "<div class=\"tt-row\">" + esc(s.name) + ": " + pct(total ? n / total : 0) + " · " + n + " of " + total + " posts</div>";
          });
          return h;
        }
      },
      toolbox: { right: 8, top: 0, feature: { saveAsImage: { title: "保存图片 · save as image", name: "facet_" + F.facet, pixelRatio: 2, backgroundColor: "#fff", excludeComponents: ["toolbox"] } } },
      grid: grids, xAxis: xs, yAxis: ys, series: series
    };
  }
  function drawSmall(el) {
    var inst = small[el.id] || echarts.init(el, null, { renderer: "canvas" });
    small[el.id] = inst;
    var t = el.getAttribute("data-theme"), f = el.getAttribute("data-facet");
    inst.setOption(t !== null ? themeOption(+t) : facetOption(+f), { notMerge: true });
    el.setAttribute("data-drawn", state.unit);
  }
  function redrawSmall() {
    var els = document.querySelectorAll(".tt-small[data-drawn], .tt-facet[data-drawn]");
    for (var i = 0; i < els.length; i++) drawSmall(els[i]);
  }
  var lazy = document.querySelectorAll(".tt-small, .tt-facet");
  for (var j = 0; j < lazy.length; j++) lazy[j].id = lazy[j].id || "tt-lazy-" + j;
  var seen = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (en) {
      if (en.isIntersecting) { seen.unobserve(en.target); drawSmall(en.target); }
    });
  }, { rootMargin: "300px" }) : null;
  for (var k = 0; k < lazy.length; k++) {
    if (seen) seen.observe(lazy[k]); else drawSmall(lazy[k]);
  }
  window.addEventListener("resize", function () {
    chart.resize();
    Object.keys(small).forEach(function (id) { small[id].resize(); });
  });

  drawMain();

  // For tests and measurements: where things are on the page (client
  // pixels), and when the chart was first drawn.
  function client(px) {
    var r = chartEl.getBoundingClientRect();
    return { x: r.left + px[0], y: r.top + px[1] };
  }
  window.ttPage = {
    chart: chart,
    view: function () { return current.v; },
    bands: function () { return current.bands.map(function (b) { return { name: b.name, members: b.members.map(function (t) { return D.themes[t].id; }) }; }); },
    // The middle of band `name` in the bucket labelled `label`.
    point: function (name, label) {
      var i = current.bands.findIndex(function (b) { return b.name === name; });
      var b = current.v.buckets.findIndex(function (bk) { return bk.label === label; });
      if (i < 0 || b < 0) return null;
      var s = stackAt(b)[i];
      return s ? client(chart.convertToPixel({ gridIndex: 0 }, [b, (s[0] + s[1]) / 2])) : null;
    },
    // The middle of a drawn text (a legend item, a pin's label…).
    text: function (s, el) {
      var inst = el ? echarts.getInstanceByDom(el) : chart, root = el || chartEl;
      var found = inst.getZr().storage.getDisplayList().filter(function (d) { return d.style && d.style.text === s; });
      if (!found.length) return null;
      var r = found[found.length - 1].getBoundingRect().clone();
      var m = found[found.length - 1].getComputedTransform();
      if (m) r.applyTransform(m);
      var box = root.getBoundingClientRect();
      return { x: box.left + r.x + r.width / 2, y: box.top + r.y + r.height / 2, w: r.width, h: r.height, left: r.x, top: r.y };
    },
    // The "save as image" icon of a chart.
    saveIcon: function (el) {
      var inst = el ? echarts.getInstanceByDom(el) : chart, root = el || chartEl;
      var icon = inst.getZr().storage.getDisplayList().filter(function (d) { return d.__title === "保存图片 · save as image"; })[0];
      if (!icon) return null;
      var r = icon.getBoundingRect().clone(), m = icon.getComputedTransform();
      if (m) r.applyTransform(m);
      var box = root.getBoundingClientRect();
      return { x: box.left + r.x + r.width / 2, y: box.top + r.y + r.height / 2 };
    }
  };
  chartEl.setAttribute("data-drawn-ms", Math.round(performance.now()));
})();
