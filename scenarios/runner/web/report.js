/* The sequence view of a lockyard report: one lane per client and a server
 * lane; each request an arrow from its client to the server at its send time
 * (to the commit point the journal gave) and back at its answer. Wheel zooms,
 * drag pans, a click on a violation selects its operations. Operations are
 * numbered by the history index of their invoke, as everywhere else. */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('lockyard-data').textContent);
  var ops = D.ops, marks = D.marks, V = D.violations;
  var SVGNS = 'http://www.w3.org/2000/svg';
  var LEFT = 130, SERVER_H = 58, LANE_H = 50, TOP = 26, FOLD_AT = 16, SHOWN = 12;
  var byN = {}, procs = [], pidx = {};
  var view = { v0: 0, v1: 1 }, sel = {}, unfolded = false, drag = null;
  var root = document.getElementById('seq'), detail = document.getElementById('detail');

  function addProc(p) {
    if (p && !(p in pidx)) { pidx[p] = procs.length; procs.push({ name: p, inv: 0, first: procs.length }); }
  }
  ops.forEach(function (o) { byN[o.n] = o; addProc(o.p); });
  marks.forEach(function (m) { byN[m.n] = m; addProc(m.p); });
  V.forEach(function (v, vi) {
    v.ops.forEach(function (n) {
      var o = byN[n];
      if (o && o.p in pidx) procs[pidx[o.p]].inv += vi === 0 ? 1000 : 1;
    });
  });
  var order = procs.slice().sort(function (a, b) { return b.inv - a.inv || a.first - b.first; });

  var T0 = Infinity, T1 = -Infinity;
  ops.forEach(function (o) { T0 = Math.min(T0, o.t0); T1 = Math.max(T1, o.t1); });
  marks.forEach(function (m) { T0 = Math.min(T0, m.t); T1 = Math.max(T1, m.t); });
  if (!isFinite(T0)) { T0 = 0; T1 = 1; }
  if (T1 <= T0) T1 = T0 + 1;

  /* The commit point: journal order (seq), inside the request's own span. */
  (function commits() {
    var withSeq = ops.filter(function (o) { return o.seq >= 0 && isRequest(o); });
    withSeq.sort(function (a, b) { return a.seq - b.seq; });
    var prev = -Infinity;
    withSeq.forEach(function (o) {
      var t = Math.max(prev, o.t0);
      if (t > o.t1) t = o.t1;
      o.ct = t; prev = t;
    });
    ops.forEach(function (o) { if (o.ct === undefined) o.ct = (o.t0 + o.t1) / 2; });
  })();

  /* Time on screen: idle stretches (no request in flight, no marker) much longer than the
   * activity around them are drawn short, with their real length written on the axis, so a
   * run of short requests between long backoffs stays readable. U(t) is screen time. */
  var segs = [];
  (function warp() {
    var iv = ops.filter(isRequest).map(function (o) { return [o.t0, Math.min(o.t1, T1)]; })
      .concat(marks.map(function (m) { return [m.t, m.t]; }));
    iv.sort(function (a, b) { return a[0] - b[0]; });
    var busy = [];
    iv.forEach(function (v) {
      var last = busy[busy.length - 1];
      if (last && v[0] <= last[1]) last[1] = Math.max(last[1], v[1]);
      else busy.push([v[0], v[1]]);
    });
    if (!busy.length) busy = [[T0, T1]];
    var lens = busy.map(function (b) { return b[1] - b[0]; }).sort(function (a, b) { return a - b; });
    var total = lens.reduce(function (a, b) { return a + b; }, 0);
    var gap = Math.max(lens[lens.length >> 1], total / 50, 20), u = 0;
    busy.forEach(function (b, i) {
      segs.push({ t0: b[0], t1: b[1], u0: u, k: 1 });
      u += b[1] - b[0];
      var next = busy[i + 1];
      if (!next) return;
      var g = next[0] - b[1];
      if (g > 3 * gap) { segs.push({ t0: b[1], t1: next[0], u0: u, k: gap / g, idle: true }); u += gap; }
      else { segs.push({ t0: b[1], t1: next[0], u0: u, k: 1 }); u += g; }
    });
  })();
  function U(t) {
    var lo = 0, hi = segs.length - 1;
    if (t <= segs[0].t0) return t - segs[0].t0;
    if (t >= segs[hi].t1) return segs[hi].u0 + (segs[hi].t1 - segs[hi].t0) * segs[hi].k + (t - segs[hi].t1);
    while (lo < hi) { var mid = (lo + hi) >> 1; if (segs[mid].t1 < t) lo = mid + 1; else hi = mid; }
    return segs[lo].u0 + (t - segs[lo].t0) * segs[lo].k;
  }
  var UT0 = U(T0), UT1 = Math.max(U(T1), UT0 + 1);

  function isRequest(o) { return /^[A-Z]/.test(o.f); }
  function shortOp(f) {
    return { PutObject: 'PUT', GetObject: 'GET', DeleteObject: 'DELETE', HeadObject: 'HEAD',
             CopyObject: 'COPY', CompleteMultipartUpload: 'COMPLETE' }[f] || f;
  }
  function shortKey(k) {
    if (!k) return '';
    var s = k.replace(/^.*\//, '');
    return s.length > 20 ? '\u2026' + s.slice(s.length - 18) : s;
  }
  function condText(o) {
    if (o.c === 'If-None-Match') return ' If-None-Match:*';
    if (o.c === 'If-Match') return ' If-Match:' + (o.cv ? o.cv.replace(/"/g, '').slice(0, 6) : '?');
    if (o.expr) return ' if ' + (o.expr.length > 28 ? o.expr.slice(0, 27) + '\u2026' : o.expr);
    return '';
  }
  function answerText(o) {
    if (o.ty === 'info' && !o.st) return o.fault ? 'no answer (' + o.fault + ')' : 'no answer';
    var s = String(o.st || '');
    if (o.code && o.st !== 200) s += ' ' + o.code.replace(/Exception$/, '');
    if (o.ty === 'info' && o.ap === 1) s += ' (but applied)';
    return s;
  }
  function label(o) {
    return '#' + o.n + ' ' + shortOp(o.f) + ' ' + shortKey(o.k) + condText(o) + ' \u2192 ' + answerText(o);
  }
  function faultText(o) {
    var f = o.fault, ans = o.st ? 'answered ' + o.st : 'answer dropped';
    if (!f) return '';
    if (f === 'fail_after' || f === 'drop_after') return f + ': applied, ' + ans;
    if (f === 'fail' || f === 'drop' || f === 'throttle' || f === 'conflict') return f + ': ' + ans + ', not applied';
    if (f === 'hold') return 'hold: held until released, ' + ans;
    return f + ': ' + ans + (o.ap === 1 ? ', applied' : '');
  }
  function hover(o) {
    var s = '#' + o.n + ' ' + o.p + ' ' + o.f + ' ' + (o.k || '');
    if (o.c) s += ' [' + o.c + (o.cv ? ': ' + o.cv : o.c === 'If-None-Match' ? ': *' : '') + ']';
    if (o.expr) s += ' [' + o.expr + ']';
    s += ' \u2192 ' + o.ty + ' ' + (o.st || 'no answer') + (o.code ? ' ' + o.code : '');
    if (o.ap === 1) s += '; applied';
    else if (o.ap === 0) s += '; not applied';
    if (o.seq >= 0) s += '; commit #' + o.seq + ' in the journal';
    if (o.fault) s += '; fault ' + faultText(o);
    if (o.v) s += '; value ' + o.v;
    if (o.rv) s += '; read ' + o.rv;
    return s + '; ' + ((o.t1 - o.t0) / 1000).toFixed(2) + ' ms';
  }
  function cls(o) {
    if (o.ty === 'ok') return 'ok';
    if (o.ty === 'fail') return 'fail';
    return o.ap === 1 ? 'infoapplied' : 'info';
  }

  /* Lanes: involved clients first; with many clients the others fold into one lane. */
  function lanes() {
    var out = [], folded = [];
    order.forEach(function (p, i) {
      if (unfolded || order.length <= FOLD_AT || p.inv > 0 || i < SHOWN) out.push(p.name);
      else folded.push(p.name);
    });
    return { shown: out, folded: folded };
  }

  function el(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function title(e, text) { e.appendChild(el('title', {}, text)); return e; }

  function render() {
    var W = Math.max(root.clientWidth || 1200, 700);
    var L = lanes(), laneY = {};
    L.shown.forEach(function (p, i) { laneY[p] = TOP + SERVER_H + i * LANE_H; });
    var foldY = TOP + SERVER_H + L.shown.length * LANE_H;
    var H = foldY + (L.folded.length ? LANE_H : 0) + 8;
    var span = view.v1 - view.v0;
    function x(t) { return LEFT + (Math.min(Math.max(U(t), view.v0 - span), view.v1 + span) - view.v0) / span * (W - LEFT - 12); }
    var svg = el('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'class': 'seqsvg' });
    svg.appendChild(defs());
    drawAxis(svg, x, W, H, span);
    drawLaneHeads(svg, L, laneY, foldY, W);
    var g = el('g', { 'clip-path': 'url(#plot)' });
    svg.appendChild(g);
    drawBands(g, laneY, x);
    var rows = {};
    var visible = ops.filter(function (o) { return U(o.t1) >= view.v0 && U(o.t0) <= view.v1; });
    visible.sort(function (a, b) { return (sel[b.n] ? 1 : 0) - (sel[a.n] ? 1 : 0) || a.t0 - b.t0; });
    visible.forEach(function (o) {
      if (o.p in laneY) drawOp(g, o, laneY[o.p], x, rows, W);
      else drawFolded(g, o, foldY, x);
    });
    drawMarks(g, laneY, x);
    root.replaceChildren(svg);
  }

  function defs() {
    var d = el('defs', {});
    [['ah', '#455a64'], ['ahsel', '#d50000']].forEach(function (a) {
      var m = el('marker', { id: a[0], viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7,
                             markerHeight: 7, orient: 'auto-start-reverse' });
      m.appendChild(el('path', { d: 'M0 0 L10 5 L0 10 z', fill: a[1] }));
      d.appendChild(m);
    });
    var cp = el('clipPath', { id: 'plot' });
    cp.appendChild(el('rect', { x: LEFT, y: 0, width: 100000, height: 100000 }));
    d.appendChild(cp);
    return d;
  }

  function drawAxis(svg, x, W, H, span) {
    var ms = span / 1000, step = 0.001;
    for (var k = 0; ms / step > Math.max(4, (W - LEFT) / 110); k++) step *= k % 3 === 1 ? 2.5 : 2;
    var us = step * 1000, lastX = -1e9;
    segs.forEach(function (sg) {
      var su0 = sg.u0, su1 = sg.u0 + (sg.t1 - sg.t0) * sg.k;
      if (su1 < view.v0 || su0 > view.v1) return;
      if (sg.idle) {
        var xa = x(sg.t0), xb = x(sg.t1);
        svg.appendChild(title(el('rect', { 'class': 'idle', x: xa, y: TOP - 6, width: Math.max(xb - xa, 1), height: H - TOP }),
          'nothing happened for ' + ((sg.t1 - sg.t0) / 1000).toFixed(1) + ' ms (drawn short)'));
        if (xb - xa > 26) svg.appendChild(el('text', { 'class': 'idletext', x: (xa + xb) / 2, y: TOP - 10, 'text-anchor': 'middle' },
          '\u2248' + ((sg.t1 - sg.t0) / 1000).toFixed(sg.t1 - sg.t0 >= 10000 ? 0 : 1) + ' ms'));
        return;
      }
      for (var t = Math.ceil((sg.t0 - T0) / us) * us; t + T0 <= sg.t1; t += us) {
        var xx = x(T0 + t);
        if (xx < LEFT || xx > W || xx - lastX < 60) continue;
        lastX = xx;
        svg.appendChild(el('line', { 'class': 'tick', x1: xx, x2: xx, y1: TOP - 6, y2: H - 4 }));
        svg.appendChild(el('text', { 'class': 'axis', x: xx + 3, y: TOP - 10 }, +(t / 1000).toFixed(3) + ' ms'));
      }
    });
  }

  function drawLaneHeads(svg, L, laneY, foldY, W) {
    svg.appendChild(el('rect', { 'class': 'serverlane', x: 0, y: TOP, width: W, height: SERVER_H - 8 }));
    svg.appendChild(el('text', { 'class': 'lane', x: 8, y: TOP + 20 }, 'server'));
    svg.appendChild(el('text', { 'class': 'lanesub', x: 8, y: TOP + 34 }, 'commits (journal)'));
    svg.appendChild(el('line', { 'class': 'life', x1: LEFT, x2: W, y1: TOP + SERVER_H - 22, y2: TOP + SERVER_H - 22 }));
    L.shown.forEach(function (p) {
      var y = laneY[p], inv = procs[pidx[p]].inv;
      svg.appendChild(el('line', { 'class': 'sep', x1: 0, x2: W, y1: y + LANE_H, y2: y + LANE_H }));
      svg.appendChild(el('line', { 'class': 'life', x1: LEFT, x2: W, y1: y + 36, y2: y + 36 }));
      var t = el('text', { 'class': 'lane' + (inv ? ' involved' : ''), x: 8, y: y + 40 }, p);
      svg.appendChild(inv ? title(t, p + ' takes part in a violation') : t);
    });
    if (L.folded.length) {
      var t = el('text', { 'class': 'lane fold', x: 8, y: foldY + 22 },
                 L.folded.length + ' more clients');
      svg.appendChild(title(t, 'Not in any violation: ' + L.folded.slice(0, 20).join(', ') +
                            (L.folded.length > 20 ? ', \u2026' : '') + ' (click to unfold)'));
      svg.appendChild(el('text', { 'class': 'lanesub', x: 8, y: foldY + 36 }, 'not in a violation'));
      t.addEventListener('click', function () { unfolded = true; render(); });
    } else if (unfolded && order.length > FOLD_AT) {
      var u = el('text', { 'class': 'lanesub fold', x: 8, y: TOP + SERVER_H - 4 }, 'fold the others');
      u.addEventListener('click', function () { unfolded = false; render(); });
      svg.appendChild(u);
    }
  }

  function drawBands(g, laneY, x) {
    var open = {};
    marks.forEach(function (m) {
      if (!(m.p in laneY)) return;
      var start = { cs_enter: 'cs', pause: 'pause' }[m.f], end = { cs_exit: 'cs', resume: 'pause', crash: 'cs' }[m.f];
      if (end && open[m.p + end]) {
        band(g, end, open[m.p + end], m.t, laneY[m.p], x);
        delete open[m.p + end];
      }
      if (start) open[m.p + start] = m.t;
    });
    for (var k in open) {
      var kind = /cs$/.test(k) ? 'cs' : 'pause', p = k.slice(0, k.length - kind.length);
      band(g, kind, open[k], T1, laneY[p], x);
    }
  }
  function band(g, kind, t0, t1, y, x) {
    var r = el('rect', { 'class': kind, x: x(t0), y: kind === 'cs' ? y + 2 : y + 40,
                         width: Math.max(x(t1) - x(t0), 1), height: kind === 'cs' ? LANE_H - 4 : 6 });
    g.appendChild(title(r, kind === 'cs' ? 'inside the critical section (believes it holds the lock)' : 'paused'));
  }

  function drawOp(g, o, y, x, rows, W) {
    var x0 = x(o.t0), x1 = x(o.t1), s = sel[o.n] ? ' sel' : '';
    var grp = el('g', { 'class': 'op' + s, 'data-n': o.n });
    title(grp, hover(o));
    if (!isRequest(o)) {
      grp.appendChild(el('rect', { 'class': 'logical ' + cls(o), x: x0, y: y + 44, width: Math.max(x1 - x0, 2), height: 3 }));
      g.appendChild(grp);
      return;
    }
    var sy = TOP + SERVER_H - 22, cy = y + 36, xc = x(o.ct), mk = s ? 'url(#ahsel)' : 'url(#ah)';
    grp.appendChild(el('rect', { 'class': 'bar ' + cls(o), x: x0, y: cy - 4, width: Math.max(x1 - x0, 2), height: 8, rx: 2 }));
    grp.appendChild(el('line', { 'class': 'req', x1: x0, y1: cy - 4, x2: xc, y2: sy + 4, 'marker-end': mk }));
    if (o.st) {
      grp.appendChild(el('line', { 'class': 'ans', x1: xc, y1: sy + 4, x2: x1, y2: cy - 4, 'marker-end': mk }));
    } else {
      var mx = (xc + x1) / 2, my = (sy + cy) / 2;
      grp.appendChild(el('line', { 'class': 'ans lost', x1: xc, y1: sy + 4, x2: mx, y2: my }));
      grp.appendChild(el('text', { 'class': 'lostx', x: mx - 5, y: my + 5 }, '\u2716'));
    }
    if (o.seq >= 0) {
      grp.appendChild(el('circle', { 'class': 'commit' + (o.ap === 1 ? ' applied' : ''), cx: xc, cy: sy, r: o.ap === 1 ? 4.5 : 3 }));
    }
    if (o.fault) {
      grp.appendChild(el('path', { 'class': 'fault', d: 'M' + (xc - 6) + ' ' + (sy - 8) + ' l6 -10 l6 10 z' }));
      placeLabel(grp, rows, 'server', xc - 6, TOP + 12, faultText(o), 'faultlabel', !!s, W);
    }
    placeLabel(grp, rows, o.p, x0, y + 12, label(o), 'oplabel', !!s, W);
    grp.addEventListener('click', function (ev) { ev.stopPropagation(); select([o.n], false); });
    g.appendChild(grp);
  }

  /* Two label rows per lane; a label is drawn where it fits (always when selected). */
  function placeLabel(grp, rows, lane, xx, y, text, klass, force, W) {
    var w = text.length * (force ? 7 : 6.3) + 10, r = rows[lane] || (rows[lane] = [-1e9, -1e9]);
    var row = xx >= r[0] ? 0 : xx >= r[1] ? 1 : force ? 0 : -1;
    if (row < 0 || xx > W) return;
    var tx = Math.max(xx, LEFT + 2);
    r[row] = tx + w;
    grp.appendChild(el('text', { 'class': klass, x: tx, y: y + row * 12 }, text));
  }

  function drawFolded(g, o, y, x) {
    if (!isRequest(o)) return;
    var r = el('rect', { 'class': 'bar ' + cls(o), x: x(o.t0), y: y + 14 + (o.n % 5) * 5, width: Math.max(x(o.t1) - x(o.t0), 1), height: 3 });
    g.appendChild(title(r, hover(o)));
  }

  function drawMarks(g, laneY, x) {
    marks.forEach(function (m) {
      if (!(m.p in laneY) || U(m.t) < view.v0 || U(m.t) > view.v1) return;
      if (sel[m.n] && (m.f === 'cs_enter' || m.f === 'cs_exit')) {
        var y = laneY[m.p];
        g.appendChild(el('line', { 'class': 'selmark', x1: x(m.t), x2: x(m.t), y1: y + 2, y2: y + LANE_H - 2 }));
        g.appendChild(title(el('text', { 'class': 'mark sel', x: x(m.t) + 3, y: y + 48, 'data-n': m.n },
          '#' + m.n + (m.f === 'cs_enter' ? ' enters' : ' leaves')), '#' + m.n + ' ' + m.p + ' ' + m.f));
        return;
      }
      if (m.f !== 'crash' && m.f !== 'give_up' && m.f !== 'fault') return;
      var t = el('text', { 'class': 'mark' + (sel[m.n] ? ' sel' : ''), x: x(m.t) + 3, y: laneY[m.p] + 48, 'data-n': m.n },
                 m.f === 'crash' ? '\u2716 crash' : m.f === 'give_up' ? '\u2691 #' + m.n + ' gave up' : '!');
      g.appendChild(title(t, '#' + m.n + ' ' + m.p + ' ' + m.f + (m.note ? ': ' + m.note : '')));
    });
  }

  /* Zoom and pan. */
  function setView(a, b) {
    var min = 20, all = UT1 - UT0;
    if (b - a < min) { var c = (a + b) / 2; a = c - min / 2; b = c + min / 2; }
    if (b - a > all * 1.2) { a = UT0 - all * 0.1; b = UT1 + all * 0.1; }
    view.v0 = a; view.v1 = b;
    render();
  }
  function fit() { var pad = (UT1 - UT0) * 0.02; setView(UT0 - pad, UT1 + pad); }
  function zoomBy(f, at) {
    var c = at === undefined ? (view.v0 + view.v1) / 2 : at;
    setView(c - (c - view.v0) * f, c + (view.v1 - c) * f);
  }
  function zoomTo(ns, t) {
    var lo = Infinity, hi = -Infinity;
    ns.forEach(function (n) {
      var o = byN[n];
      if (!o) return;
      var start = o.t0 !== undefined ? o.t0 : o.t, cause = lastRequestBefore(o.p, start);
      lo = Math.min(lo, cause ? cause.t0 : start);
      hi = Math.max(hi, o.t1 !== undefined ? o.t1 : o.t);
    });
    if (t !== undefined) { lo = Math.min(lo, t); hi = Math.max(hi, t); }
    if (!isFinite(lo)) return fit();
    lo = U(lo); hi = U(hi);
    var inside = ops.filter(function (o) { return isRequest(o) && U(o.t1) >= lo && U(o.t0) <= hi; }).length;
    if (inside < 3) return fit(); /* too little around it to tell the story: the whole run */
    var pad = Math.max((hi - lo) * 0.15, 60);
    setView(lo - pad, hi + pad * 2.5);
  }
  /* The request a client made just before a marker (a give-up, entering): what led to it. */
  function lastRequestBefore(p, t) {
    var best = null;
    ops.forEach(function (o) { if (o.p === p && isRequest(o) && o.t0 < t && (!best || o.t0 > best.t0)) best = o; });
    return best;
  }
  function select(ns, zoom, vi) {
    sel = {};
    ns.forEach(function (n) { sel[n] = true; });
    document.querySelectorAll('#violations li').forEach(function (li, i) {
      li.classList.toggle('selected', i === vi);
    });
    detail.textContent = ns.length === 1 && byN[ns[0]] && byN[ns[0]].f ? (byN[ns[0]].t0 !== undefined ? hover(byN[ns[0]]) : '') : '';
    if (zoom) zoomTo(ns, vi !== undefined ? V[vi].t : undefined); else render();
  }

  root.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var r = root.getBoundingClientRect(), W = Math.max(root.clientWidth, 700);
    var at = view.v0 + (ev.clientX - r.left - LEFT) / (W - LEFT - 12) * (view.v1 - view.v0);
    zoomBy(ev.deltaY > 0 ? 1.25 : 0.8, at);
  }, { passive: false });
  root.addEventListener('mousedown', function (ev) { drag = { x: ev.clientX, v0: view.v0, v1: view.v1 }; });
  window.addEventListener('mouseup', function () { drag = null; });
  window.addEventListener('mousemove', function (ev) {
    if (!drag) return;
    var W = Math.max(root.clientWidth, 700), d = (ev.clientX - drag.x) / (W - LEFT - 12) * (drag.v1 - drag.v0);
    if (Math.abs(ev.clientX - drag.x) > 2) setView(drag.v0 - d, drag.v1 - d);
  });
  document.getElementById('zin').addEventListener('click', function () { zoomBy(0.5); });
  document.getElementById('zout').addEventListener('click', function () { zoomBy(2); });
  document.getElementById('zfit').addEventListener('click', fit);
  document.getElementById('zfirst').addEventListener('click', function () { if (V.length) select(V[0].ops, true, 0); });
  document.querySelectorAll('#violations li[data-v]').forEach(function (li) {
    li.addEventListener('click', function () {
      var vi = +li.getAttribute('data-v');
      select(V[vi].ops, true, vi);
    });
  });
  window.addEventListener('resize', render);
  if (V.length) select(V[0].ops, true, 0); else fit();
  document.body.setAttribute('data-rendered', '1');
})();
