/*
 * Herald Console: one page over the console's JSON API and its debug stream (docs/console.md).
 * Plain JavaScript, no build step; charts with uPlot, served from the jar beside this file.
 * Everything that comes from the server is put in the page as text, never as markup.
 */
'use strict';

(function () {
  const API = '/console/api';
  const VIEWS = ['overview', 'debug', 'events', 'channels', 'webhooks', 'apps'];
  const REFRESH_MS = 10000;
  const SESSION_REFRESH_MS = 15000;
  /** The debug list keeps this many events; older ones are forgotten. */
  const MAX_EVENTS = 1000;
  /** The event creator remembers this many sends. */
  const MAX_SENT = 12;
  const CHANNELS_LIMIT = 1000;
  const DEFAULT_EVENT_BYTES = 10240;
  const DEFAULT_DATA_LIMIT = 2048;
  const APP_ID_RULE = /^[A-Za-z0-9._-]{1,255}$/;
  const SOCKET_ID_RULE = /^\d{1,20}\.\d{1,20}$/;

  const $ = (id) => document.getElementById(id);
  const num = new Intl.NumberFormat('en-US');
  const dec = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

  /** What the browser tests read: never needed by the page itself. */
  const hooks = {
    ready: false,
    view: null,
    app: null,
    loads: 0,
    stream: { state: 'offline', opened: 0, received: 0, dropped: 0 },
    sent: 0,
    replays: 0,
  };
  window.heraldConsole = hooks;

  const state = {
    session: null,
    apps: [],
    fields: [],
    editable: false,
    app: null,
    view: null,
  };

  // ---------------------------------------------------------------- small helpers

  /** An element with properties and children; children that are not nodes become text. */
  function h(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
        else if (v === true) e.setAttribute(k, '');
        else e.setAttribute(k, String(v));
      }
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  function clear(e) {
    while (e.firstChild) e.removeChild(e.firstChild);
    return e;
  }

  const enc = encodeURIComponent;

  function fmtInt(v) {
    return typeof v === 'number' && isFinite(v) ? num.format(Math.round(v)) : '–';
  }

  function fmtRate(v) {
    if (typeof v !== 'number' || !isFinite(v)) return '–';
    return v >= 100 ? num.format(Math.round(v)) : dec.format(v);
  }

  function fmtBytes(v) {
    if (typeof v !== 'number' || !isFinite(v) || v < 0) return '–';
    if (v < 1024) return v + ' B';
    if (v < 1024 * 1024) return dec.format(v / 1024) + ' KB';
    return dec.format(v / 1024 / 1024) + ' MB';
  }

  function pad(n, w) {
    return String(n).padStart(w || 2, '0');
  }

  /** Milliseconds since the epoch from a number (ms or s) or an ISO text; null if neither. */
  function toMillis(t) {
    if (typeof t === 'number' && isFinite(t)) return t < 1e11 ? t * 1000 : t;
    if (typeof t === 'string' && t) {
      if (/^\d+$/.test(t)) return toMillis(Number(t));
      const p = Date.parse(t);
      return isNaN(p) ? null : p;
    }
    return null;
  }

  function clock(ms, withMillis) {
    const d = new Date(ms);
    const base = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
    return withMillis ? base + '.' + pad(d.getMilliseconds(), 3) : base;
  }

  /** A time as the page shows it: the clock today, the date and clock before. */
  function when(t) {
    const ms = toMillis(t);
    if (ms === null) return '–';
    const d = new Date(ms);
    const today = new Date();
    const sameDay = d.toDateString() === today.toDateString();
    return sameDay ? clock(ms) : d.toLocaleDateString('en-CA') + ' ' + clock(ms);
  }

  /** "in 12 s", "3 min ago", from now. */
  function relative(t) {
    const ms = toMillis(t);
    if (ms === null) return '–';
    const diff = Math.round((ms - Date.now()) / 1000);
    const abs = Math.abs(diff);
    const span = abs < 60 ? abs + ' s' : abs < 3600 ? Math.round(abs / 60) + ' min' : Math.round(abs / 3600) + ' h';
    return diff >= 0 ? 'in ' + span : span + ' ago';
  }

  function utf8Length(s) {
    return new TextEncoder().encode(s).length;
  }

  function randomHex(bytes) {
    const b = new Uint8Array(bytes);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  function words(kind) {
    return String(kind || '').replace(/_/g, ' ');
  }

  /**
   * What a batch holds: its event names (an object of name: count, or a list), else its count.
   */
  function eventsText(types, count) {
    let names = [];
    if (Array.isArray(types)) {
      names = types.map((e) => (e && typeof e === 'object' ? e.name || JSON.stringify(e) : String(e)));
    } else if (types && typeof types === 'object') {
      names = Object.entries(types).map(([n, c]) => (Number(c) > 1 ? n + ' ×' + num.format(Number(c)) : n));
    } else if (typeof types === 'number') {
      count = types;
    }
    if (names.length) {
      const shown = names.slice(0, 3).join(', ');
      return names.length > 3 ? shown + ' +' + (names.length - 3) : shown;
    }
    if (typeof count === 'number') return count === 1 ? '1 event' : num.format(count) + ' events';
    return types === null || types === undefined ? '–' : String(types);
  }

  /** Pretty JSON, highlighted with spans of text (never markup), into a pre. */
  function renderJson(pre, value) {
    clear(pre);
    const text = JSON.stringify(value, null, 2);
    const token = /("(?:\\u[a-fA-F0-9]{4}|\\[^u]|[^\\"])*"(\s*:)?|\b(?:true|false|null)\b|-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)/g;
    let last = 0;
    let m;
    while ((m = token.exec(text)) !== null) {
      if (m.index > last) pre.append(text.slice(last, m.index));
      const t = m[0];
      let cls = 'n';
      if (t[0] === '"') cls = m[2] ? 'k' : 's';
      else if (t === 'true' || t === 'false' || t === 'null') cls = 'b';
      pre.append(h('span', { class: cls, text: t }));
      last = token.lastIndex;
    }
    if (last < text.length) pre.append(text.slice(last));
  }

  /** The data of an event: pretty JSON when it parses, else the text as it is. */
  function showData(pre, data) {
    if (data === null || data === undefined) {
      clear(pre).append('(no data)');
      return false;
    }
    if (typeof data !== 'string') {
      renderJson(pre, data);
      return true;
    }
    try {
      renderJson(pre, JSON.parse(data));
      return true;
    } catch (e) {
      clear(pre).append(data);
      return false;
    }
  }

  function toast(message, bad) {
    const t = h('div', { class: bad ? 'toast bad' : 'toast', text: message, 'data-test': 'toast' });
    $('toasts').append(t);
    setTimeout(() => t.remove(), bad ? 7000 : 3500);
  }

  /** What failed last time, so that a refresh failing every 10 s says so once. */
  const failing = new Set();

  /**
   * Runs an async action and shows its failure once (until it works again); a lost session shows
   * the sign-in page instead.
   */
  function run(promise, what) {
    return Promise.resolve(promise).then(
      (v) => {
        failing.delete(what);
        return v;
      },
      (e) => {
        if (e && e.status === 401) return;
        if (what && failing.has(what) && e && e.status === 0) return;
        if (what) failing.add(what);
        toast((what ? what + ': ' : '') + (e && e.message ? e.message : String(e)), true);
      }
    );
  }

  // ---------------------------------------------------------------- the API

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function request(path, method, body) {
    const init = { method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
    if (method !== 'GET') {
      init.headers['Content-Type'] = 'application/json';
      if (state.session && state.session.csrf) init.headers['X-Herald-Csrf'] = state.session.csrf;
      init.body = JSON.stringify(body || {});
    }
    let res;
    try {
      res = await fetch(API + path, init);
    } catch (e) {
      throw new ApiError(0, 'Herald did not answer');
    }
    hooks.loads++;
    const text = await res.text();
    let json = null;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch (e) {
        json = null;
      }
    }
    if (res.status === 401) {
      signedOut();
      throw new ApiError(401, 'signed out');
    }
    if (!res.ok) {
      throw new ApiError(res.status, (json && json.error) || 'HTTP ' + res.status);
    }
    return json || {};
  }

  function get(path) {
    return request(path, 'GET');
  }

  /** A POST; when the CSRF value went stale (a node restarted), fetches a new one and tries again once. */
  async function post(path, body) {
    try {
      return await request(path, 'POST', body);
    } catch (e) {
      if (e.status !== 403) throw e;
      state.session = await get('/session');
      return request(path, 'POST', body);
    }
  }

  function appPath(suffix) {
    return '/apps/' + enc(state.app) + suffix;
  }

  function currentApp() {
    return state.apps.find((a) => a.id === state.app) || null;
  }

  // ---------------------------------------------------------------- frame: session, apps, views

  function signedOut() {
    for (const v of VIEWS) $('view-' + v).hidden = true;
    $('tabs').hidden = true;
    $('app-pick').hidden = true;
    $('loading').hidden = true;
    $('no-apps').hidden = true;
    $('signed-out').hidden = false;
    debug.stop();
    if (state.view && views[state.view].leave) views[state.view].leave();
    state.view = null;
    state.session = null; // and nothing more is asked until the page is opened again
    hooks.view = 'signed-out';
  }

  function renderNodeInfo() {
    const s = state.session || {};
    const e = clear($('node-info'));
    e.append('node ', h('b', { text: s.node || '?' }));
    if (s.clustered) {
      const n = Array.isArray(s.nodes) ? s.nodes.length : Number(s.live_nodes) || 0;
      e.append(' · cluster of ', h('b', { text: String(n) }), n === 1 ? ' node' : ' nodes');
    }
  }

  function renderPicker() {
    const pick = $('app-pick');
    const select = $('app-picker');
    const single = $('app-single');
    pick.hidden = state.apps.length === 0;
    clear(select);
    for (const a of state.apps) {
      select.append(h('option', { value: a.id, text: a.enabled === false ? a.id + ' (disabled)' : a.id }));
    }
    select.value = state.app || '';
    const several = state.apps.length > 1;
    select.hidden = !several;
    single.hidden = several;
    single.textContent = state.app || '';
  }

  async function loadApps() {
    const answer = await get('/apps');
    state.apps = Array.isArray(answer.apps) ? answer.apps : [];
    state.editable = !!answer.editable;
    state.fields = Array.isArray(answer.fields) ? answer.fields : [];
    let wanted = state.app;
    if (!wanted) {
      try {
        wanted = localStorage.getItem('herald.console.app');
      } catch (e) {
        wanted = null;
      }
    }
    const ids = state.apps.map((a) => a.id);
    state.app = ids.includes(wanted) ? wanted : ids[0] || null;
    hooks.app = state.app;
    renderPicker();
    return answer;
  }

  function selectApp(id) {
    if (id === state.app) return;
    state.app = id;
    hooks.app = id;
    try {
      localStorage.setItem('herald.console.app', id);
    } catch (e) {
      // a browser without storage just forgets the choice
    }
    renderPicker();
    for (const v of VIEWS) if (views[v].appChanged) views[v].appChanged();
    if (state.view) show(state.view, true);
  }

  function show(view, again) {
    if (!state.session) return;
    const noApp = !state.app && view !== 'apps';
    if (state.view && state.view !== view && views[state.view].leave) views[state.view].leave();
    if (again && state.view === view && views[view].leave) views[view].leave();
    state.view = view;
    hooks.view = view;
    $('loading').hidden = true;
    $('no-apps').hidden = !noApp;
    $('no-apps-create').hidden = !state.editable;
    for (const v of VIEWS) {
      $('view-' + v).hidden = noApp || v !== view;
      const tab = $('tab-' + v);
      if (v === view) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    if (!noApp) views[view].enter();
  }

  function route() {
    const v = location.hash.replace(/^#/, '');
    show(VIEWS.includes(v) ? v : 'overview');
  }

  // ---------------------------------------------------------------- overview

  const COLORS = ['#4f46e5', '#0ea5e9', '#f59e0b', '#10b981', '#ec4899', '#8b5cf6', '#64748b'];

  const overview = {
    span: 'hour',
    timer: null,
    plots: {},
    loading: false,

    enter() {
      $('overview-app').textContent = state.app ? '· ' + state.app : '';
      this.load();
      this.timer = setInterval(() => this.load(), REFRESH_MS);
    },

    leave() {
      clearInterval(this.timer);
      this.timer = null;
    },

    appChanged() {
      this.destroyPlots();
      for (const id of ['stat-connections', 'stat-rate', 'stat-peak', 'stat-messages']) $(id).textContent = '–';
      clear($('nodes-table').tBodies[0]);
    },

    setSpan(span) {
      if (span === this.span) return;
      this.span = span;
      for (const b of document.querySelectorAll('[data-span]')) b.setAttribute('aria-pressed', String(b.dataset.span === span));
      this.destroyPlots();
      this.load();
    },

    load() {
      if (this.loading || !state.app) return;
      this.loading = true;
      const app = state.app;
      const span = this.span;
      run(
        Promise.all([get(appPath('/overview')), get(appPath('/stats?span=' + span))])
          .then(([ov, st]) => {
            if (app !== state.app || state.view !== 'overview') return;
            this.renderNumbers(ov);
            if (span === this.span) this.renderCharts(st);
            $('overview-updated').textContent = 'Updated ' + clock(Date.now()) + ' · refreshes every 10 s';
            $('view-overview').dataset.loaded = String(Date.now());
          })
          .finally(() => {
            this.loading = false;
          }),
        'Overview'
      );
    },

    renderNumbers(ov) {
      const today = ov.today || {};
      $('stat-connections').textContent = fmtInt(ov.connections);
      $('stat-rate').textContent = fmtRate(ov.messages_per_second);
      $('stat-peak').textContent = fmtInt(today.peak_connections);
      $('stat-messages').textContent = fmtInt(today.messages);
      const date = today.date ? String(today.date) : '';
      $('stat-peak-note').textContent = date ? 'today, ' + date + ' (UTC)' : 'today (UTC)';
      $('stat-messages-note').textContent = date ? 'on ' + date + ' (UTC)' : 'since 00:00 UTC';

      const body = clear($('nodes-table').tBodies[0]);
      const nodes = ov.nodes && typeof ov.nodes === 'object' ? Object.entries(ov.nodes) : [];
      nodes.sort((a, b) => a[0].localeCompare(b[0]));
      const me = state.session && state.session.node;
      for (const [name, n] of nodes) {
        const v = n || {};
        body.append(
          h('tr', { 'data-node': name },
            h('td', { class: 'name' }, name, name === me ? h('span', { class: 'meta', text: '  this node' }) : null),
            h('td', { class: 'num', text: fmtInt(v.connections) }),
            h('td', { class: 'num', text: fmtRate(v.messages_per_second) }),
            h('td', { class: 'num', text: fmtInt(v.peak_connections) }),
            h('td', { class: 'num', text: fmtInt(v.messages) }))
        );
      }
      if (nodes.length > 1) {
        body.append(
          h('tr', { class: 'total' },
            h('td', { text: 'All nodes' }),
            h('td', { class: 'num', text: fmtInt(ov.connections) }),
            h('td', { class: 'num', text: fmtRate(ov.messages_per_second) }),
            h('td', { class: 'num', text: fmtInt(today.peak_connections) }),
            h('td', { class: 'num', text: fmtInt(today.messages) }))
        );
      }
      if (nodes.length === 0) {
        body.append(h('tr', {}, h('td', { colspan: 5, class: 'meta', text: 'No node has reported yet.' })));
      }
      $('nodes-note').textContent = nodes.length === 1 ? '1 node' : nodes.length + ' nodes';
    },

    /** uPlot's columns: times in seconds, then the total, then each node when there are several. */
    columns(st, field) {
      const total = Array.isArray(st[field]) ? st[field] : [];
      const nodes = st.nodes && typeof st.nodes === 'object' ? Object.entries(st.nodes) : [];
      nodes.sort((a, b) => a[0].localeCompare(b[0]));
      const perNode = nodes.length > 1 ? nodes.map(([name, n]) => [name, Array.isArray(n && n[field]) ? n[field] : []]) : [];
      const length = Math.max(total.length, ...perNode.map((p) => p[1].length));
      const stepMs = Number(st.step_ms) > 0 ? Number(st.step_ms) : this.span === 'day' ? 60000 : 10000;
      let start = toMillis(st.start);
      if (start === null) start = Date.now() - length * stepMs;
      const xs = new Array(length);
      for (let i = 0; i < length; i++) xs[i] = (start + i * stepMs) / 1000;
      // the step still in progress is not a whole one yet: left out rather than drawn as a drop
      const now = Date.now();
      const value = (a, i) =>
        typeof a[i] === 'number' && isFinite(a[i]) && start + (i + 1) * stepMs <= now ? a[i] : null;
      const data = [xs, Array.from(xs, (_, i) => value(total, i))];
      for (const [, a] of perNode) data.push(Array.from(xs, (_, i) => value(a, i)));
      return { data, names: perNode.map((p) => p[0]), stepMs };
    },

    renderCharts(st) {
      const conn = this.columns(st, 'connections');
      const msgs = this.columns(st, 'messages');
      const every = msgs.stepMs >= 60000 ? 'minute' : Math.round(msgs.stepMs / 1000) + ' s';
      $('chart-connections-note').textContent = 'open connections, every ' + every;
      $('chart-messages-note').textContent = 'messages per ' + (msgs.stepMs >= 60000 ? 'minute' : every);
      this.plot('connections', conn, 'Connections');
      this.plot('messages', msgs, 'Messages');
    },

    plot(name, cols, label) {
      const box = $('chart-' + name);
      if (typeof window.uPlot !== 'function') {
        clear(box).append(h('p', { class: 'empty', text: 'Charts are unavailable (uPlot did not load).' }));
        return;
      }
      const existing = this.plots[name];
      if (existing && existing.series.length === cols.data.length) {
        existing.setData(cols.data);
        return;
      }
      if (existing) existing.destroy();
      clear(box);
      const series = [{}];
      series.push({
        label: cols.names.length ? 'All nodes' : label,
        stroke: COLORS[0],
        width: 2,
        fill: 'rgba(79, 70, 229, 0.08)',
        points: { show: false },
        value: (u, v) => (v === null || v === undefined ? '–' : fmtInt(v)),
      });
      cols.names.forEach((n, i) => {
        series.push({
          label: n,
          stroke: COLORS[(i + 1) % COLORS.length],
          width: 1.25,
          points: { show: false },
          value: (u, v) => (v === null || v === undefined ? '–' : fmtInt(v)),
        });
      });
      const axis = {
        stroke: '#667085',
        grid: { stroke: '#eef0f3', width: 1 },
        ticks: { stroke: '#e4e7ec', width: 1 },
        font: '11px system-ui, sans-serif',
      };
      const opts = {
        width: Math.max(240, box.clientWidth || 500),
        height: 220,
        series,
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(4, (max || 0) * 1.15)] } },
        axes: [axis, Object.assign({}, axis, { size: 52, values: (u, vals) => vals.map((v) => fmtInt(v)) })],
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
      };
      const plot = new window.uPlot(opts, cols.data, box);
      this.plots[name] = plot;
      if (!this.resizer && typeof ResizeObserver === 'function') {
        this.resizer = new ResizeObserver(() =>
          requestAnimationFrame(() => {
            for (const [n, p] of Object.entries(this.plots)) {
              const w = $('chart-' + n).clientWidth;
              if (w > 0 && Math.abs(w - p.width) > 2) p.setSize({ width: w, height: 220 });
            }
          })
        );
        this.resizer.observe($('chart-connections'));
        this.resizer.observe($('chart-messages'));
      }
    },

    destroyPlots() {
      for (const p of Object.values(this.plots)) p.destroy();
      this.plots = {};
    },
  };

  // ---------------------------------------------------------------- debug console

  const KIND_CLASS = {
    connected: 'ok',
    disconnected: 'grey',
    subscribed: 'run',
    unsubscribed: 'grey',
    api_message: 'accent',
    client_event: 'violet',
  };

  function kindBadge(ev) {
    let cls = KIND_CLASS[ev.kind] || 'grey';
    if (ev.kind === 'webhook') {
      const d = ev.details || {};
      const status = Number(d.status);
      cls = status >= 200 && status < 300 ? 'ok' : /retry/i.test(String(d.outcome || '')) ? 'warn' : 'bad';
    }
    if (ev.kind === 'disconnected') {
      const code = Number((ev.details || {}).code);
      if (code >= 4000 && code < 4100) cls = 'bad';
      else if (code >= 4100 && code < 4300) cls = 'warn';
    }
    return h('span', { class: 'badge wide ' + cls, 'data-kind': ev.kind, text: words(ev.kind) });
  }

  const debug = {
    events: [],
    rows: new Map(),
    seq: 0,
    source: null,
    streamApp: null,
    retry: null,
    paused: false,
    unseen: 0,
    dropped: 0,
    selected: null,
    filters: { channel: '', event: '', socket: '', kind: '' },

    enter() {
      this.ensureStream();
      this.renderNodeColumn();
    },

    appChanged() {
      this.stop();
      this.clearAll();
    },

    setState(s) {
      hooks.stream.state = s;
      const e = $('stream-state');
      const shown = this.paused && s === 'live' ? 'paused' : s;
      e.dataset.state = shown;
      e.lastElementChild.textContent = shown;
    },

    ensureStream() {
      if (this.source && this.streamApp === state.app) return;
      this.stop();
      if (!state.app) return;
      const app = state.app;
      this.streamApp = app;
      this.setState('connecting');
      const source = new EventSource(API + '/apps/' + enc(app) + '/stream');
      this.source = source;
      source.addEventListener('open', () => {
        if (this.source !== source) return;
        hooks.stream.opened++;
        this.setState('live');
      });
      source.addEventListener('activity', (m) => {
        if (this.source === source) this.onActivity(m.data);
      });
      source.addEventListener('dropped', (m) => {
        if (this.source === source) this.onDropped(m.data);
      });
      source.addEventListener('error', () => {
        if (this.source !== source) return;
        if (source.readyState === EventSource.CLOSED) {
          // refused (signed out, too many viewers) or gone: ask why, then try again later
          this.setState('offline');
          this.source = null;
          source.close();
          const again = () => {
            clearTimeout(this.retry);
            this.retry = setTimeout(() => {
              if (state.app === app && state.session && !this.source) this.ensureStream();
            }, 3000);
          };
          get('/session').then(again, (e) => {
            if (e.status !== 401) again();
          });
        } else {
          this.setState('connecting');
        }
      });
    },

    stop() {
      clearTimeout(this.retry);
      if (this.source) this.source.close();
      this.source = null;
      this.streamApp = null;
      this.setState('offline');
    },

    onActivity(data) {
      let ev;
      try {
        ev = JSON.parse(data);
      } catch (e) {
        return;
      }
      if (!ev || typeof ev !== 'object') return;
      ev.seq = ++this.seq;
      hooks.stream.received++;
      this.events.push(ev);
      if (this.events.length > MAX_EVENTS) {
        const old = this.events.shift();
        const row = this.rows.get(old.seq);
        if (row) row.remove();
        this.rows.delete(old.seq);
        if (this.selected && this.selected.seq === old.seq) this.select(null);
      }
      if (this.paused) {
        this.unseen++;
        this.renderPauseButton();
      } else if (this.matches(ev)) {
        const row = this.row(ev, true);
        $('debug-rows').prepend(row);
      }
      this.renderCounts();
    },

    onDropped(data) {
      let n = 0;
      try {
        n = Number(JSON.parse(data).count) || 0;
      } catch (e) {
        n = 0;
      }
      this.dropped += n;
      hooks.stream.dropped = this.dropped;
      this.renderCounts();
    },

    matches(ev) {
      const f = this.filters;
      const has = (v, want) => !want || (typeof v === 'string' && v.toLowerCase().includes(want.toLowerCase()));
      return has(ev.channel, f.channel) && has(ev.event, f.event) && has(ev.socket_id, f.socket) && (!f.kind || ev.kind === f.kind);
    },

    row(ev, fresh) {
      const clustered = !!(state.session && state.session.clustered);
      const time = toMillis(ev.time);
      const tr = h('tr', {
        class: fresh ? 'fresh' : null,
        'data-seq': ev.seq,
        'data-kind': ev.kind,
        'data-channel': ev.channel || '',
        'data-event': ev.event || '',
        'data-test': 'activity-row',
        onclick: () => this.select(ev),
      },
        h('td', { class: 'time', text: time === null ? '–' : clock(time, true) }),
        h('td', { class: 'node-cell', hidden: !clustered, text: ev.node || '' }),
        h('td', {}, kindBadge(ev)),
        h('td', { class: 'sock', title: ev.socket_id || '', text: ev.socket_id || '' }),
        h('td', { class: 'name', title: ev.channel || '', text: ev.channel || '' }),
        h('td', { title: ev.event || '', text: ev.event || '' }),
        h('td', { class: 'size', text: typeof ev.data_bytes === 'number' && ev.data_bytes >= 0 ? fmtBytes(ev.data_bytes) : '' })
      );
      if (this.selected && this.selected.seq === ev.seq) tr.classList.add('selected');
      this.rows.set(ev.seq, tr);
      return tr;
    },

    renderRows() {
      const body = clear($('debug-rows'));
      this.rows.clear();
      const frag = document.createDocumentFragment();
      for (let i = this.events.length - 1; i >= 0; i--) {
        const ev = this.events[i];
        if (this.matches(ev)) frag.append(this.row(ev, false));
      }
      body.append(frag);
      this.renderCounts();
    },

    renderNodeColumn() {
      const clustered = !!(state.session && state.session.clustered);
      for (const e of document.querySelectorAll('#debug-table .node-cell')) e.hidden = !clustered;
    },

    renderCounts() {
      const shown = $('debug-rows').childElementCount;
      const total = this.events.length;
      let text = num.format(total) + (total === 1 ? ' event' : ' events');
      if (shown !== total && !this.paused) text = num.format(shown) + ' of ' + text;
      $('debug-count').textContent = text;
      const d = $('debug-dropped');
      d.hidden = this.dropped === 0;
      d.textContent = ' · ' + num.format(this.dropped) + ' dropped';
      d.title = 'The stream was over its bounds and left these events out';
      $('debug-empty').hidden = shown > 0;
      $('debug-empty').textContent = total > 0 ? 'No event matches the filters.' : 'Waiting for activity… Connect a client or send an event.';
      const count = $('tab-debug-count');
      count.hidden = total === 0;
      count.textContent = total > 999 ? '999+' : String(total);
    },

    renderPauseButton() {
      const b = $('debug-pause');
      b.setAttribute('aria-pressed', String(this.paused));
      b.textContent = this.paused ? (this.unseen ? 'Resume (' + num.format(this.unseen) + ' new)' : 'Resume') : 'Pause';
      this.setState(hooks.stream.state);
    },

    togglePause() {
      this.paused = !this.paused;
      if (!this.paused) {
        this.unseen = 0;
        this.renderRows();
      }
      this.renderPauseButton();
    },

    clearAll() {
      this.events = [];
      this.unseen = 0;
      this.dropped = 0;
      hooks.stream.dropped = 0;
      this.select(null);
      this.renderRows();
      this.renderPauseButton();
    },

    select(ev) {
      if (this.selected) {
        const old = this.rows.get(this.selected.seq);
        if (old) old.classList.remove('selected');
      }
      this.selected = ev;
      $('debug-detail-empty').hidden = !!ev;
      $('debug-detail-body').hidden = !ev;
      if (!ev) return;
      const row = this.rows.get(ev.seq);
      if (row) row.classList.add('selected');
      $('detail-title').textContent = ev.event || words(ev.kind);
      clear($('detail-kind')).append(kindBadge(ev));
      const dl = clear($('detail-fields'));
      const field = (name, value) => {
        if (value === null || value === undefined || value === '') return;
        dl.append(h('dt', { text: name }), h('dd', { 'data-field': name, text: value }));
      };
      const time = toMillis(ev.time);
      field('time', time === null ? null : new Date(time).toLocaleString('en-GB') + '.' + pad(new Date(time).getMilliseconds(), 3));
      field('node', ev.node);
      field('kind', words(ev.kind));
      field('socket id', ev.socket_id);
      field('channel', ev.channel);
      field('event', ev.event);
      if (typeof ev.data_bytes === 'number' && ev.data_bytes >= 0) field('size', num.format(ev.data_bytes) + ' bytes');
      const details = ev.details && typeof ev.details === 'object' ? ev.details : {};
      for (const [k, v] of Object.entries(details)) {
        let text = v;
        if (k === 'events') text = eventsText(v);
        else if (v !== null && typeof v === 'object') text = JSON.stringify(v);
        else if (k === 'latency_ms') text = v + ' ms';
        field(words(k), text === null || text === undefined ? null : String(text));
      }
      const parsed = showData($('detail-data'), ev.data);
      const limit = (state.session && Number(state.session.data_limit)) || DEFAULT_DATA_LIMIT;
      let note = '';
      if (typeof ev.data === 'string') {
        const cut = typeof ev.data_bytes === 'number' && ev.data_bytes > utf8Length(ev.data);
        note = cut ? 'first ' + num.format(limit) + ' characters of ' + num.format(ev.data_bytes) + ' bytes' : parsed ? 'JSON' : 'text';
      }
      $('detail-data-note').textContent = note;
    },

    setFilter(name, value) {
      this.filters[name] = value.trim();
      if (!this.paused) this.renderRows();
    },
  };

  // ---------------------------------------------------------------- event creator

  const creator = {
    sent: [],

    enter() {
      this.count();
    },

    /** The data's size against the app's bound, as the user types. */
    count() {
      const bytes = utf8Length($('event-data').value);
      const e = $('event-bytes');
      e.textContent = num.format(bytes) + ' of ' + num.format(this.limit()) + ' bytes';
      e.classList.toggle('form-error', bytes > this.limit());
    },

    limit() {
      const app = currentApp();
      const v = app && app.settings ? Number(app.settings.max_event_bytes) : NaN;
      return v > 0 ? v : DEFAULT_EVENT_BYTES;
    },

    result(text, ok) {
      const e = $('event-result');
      e.className = ok ? 'form-ok' : 'form-error';
      e.textContent = text;
      e.dataset.state = ok ? 'ok' : 'error';
    },

    async submit() {
      const channel = $('event-channel').value.trim();
      const name = $('event-name').value.trim();
      const data = $('event-data').value;
      const socketId = $('event-socket').value.trim();
      for (const id of ['event-channel', 'event-name', 'event-data', 'event-socket']) $(id).classList.remove('invalid');
      const refuse = (id, why) => {
        $(id).classList.add('invalid');
        this.result(why, false);
      };
      if (!channel) return refuse('event-channel', 'Give a channel.');
      if (!name) return refuse('event-name', 'Give an event name.');
      try {
        JSON.parse(data);
      } catch (e) {
        return refuse('event-data', 'Data is not valid JSON: ' + e.message);
      }
      const bytes = utf8Length(data);
      if (bytes > this.limit()) {
        return refuse('event-data', 'Data is ' + num.format(bytes) + ' bytes; this app takes at most ' + num.format(this.limit()) + '.');
      }
      if (socketId && !SOCKET_ID_RULE.test(socketId)) return refuse('event-socket', 'A socket id looks like 123.456.');
      const body = { channel, name, data };
      if (socketId) body.socket_id = socketId;
      const button = $('event-send');
      button.disabled = true;
      this.result('Sending…', true);
      try {
        await post(appPath('/events'), body);
        hooks.sent++;
        this.result('Sent to ' + channel + ' at ' + clock(Date.now()), true);
        this.sent.unshift({ time: Date.now(), channel, name });
        this.sent.length = Math.min(this.sent.length, MAX_SENT);
        this.renderSent();
      } catch (e) {
        if (e.status !== 401) this.result('Not sent: ' + e.message, false);
      } finally {
        button.disabled = false;
      }
    },

    renderSent() {
      const body = clear($('event-history').tBodies[0]);
      for (const s of this.sent) {
        body.append(
          h('tr', {},
            h('td', { class: 'nowrap meta', text: clock(s.time) }),
            h('td', { class: 'wrap' }, h('span', { class: 'name', text: s.channel }), h('div', { class: 'meta', text: s.name })))
        );
      }
      $('event-history-empty').hidden = this.sent.length > 0;
    },

    appChanged() {
      this.sent = [];
      this.renderSent();
      $('event-result').textContent = '';
    },
  };

  // ---------------------------------------------------------------- channels

  function channelType(name) {
    if (name.startsWith('presence-')) return ['presence', 'violet'];
    if (name.startsWith('private-encrypted-')) return ['encrypted', 'warn'];
    if (name.startsWith('private-')) return ['private', 'run'];
    if (name.startsWith('#')) return ['server', 'grey'];
    if (name.startsWith('cache-')) return ['cache', 'accent'];
    return ['public', 'ok'];
  }

  const channels = {
    timer: null,
    typing: null,
    selected: null,
    loading: false,

    enter() {
      this.load();
      this.timer = setInterval(() => this.load(), REFRESH_MS);
    },

    leave() {
      clearInterval(this.timer);
      this.timer = null;
    },

    appChanged() {
      this.selected = null;
      this.renderMembers(null, []);
      clear($('channels-table').tBodies[0]);
      clear($('users-table').tBodies[0]);
    },

    prefixChanged() {
      clearTimeout(this.typing);
      this.typing = setTimeout(() => this.load(), 250);
    },

    load() {
      if (this.loading || !state.app) return;
      this.loading = true;
      const app = state.app;
      const prefix = $('channel-prefix').value.trim();
      const query = '?limit=' + CHANNELS_LIMIT + (prefix ? '&prefix=' + enc(prefix) : '');
      // a channel emptied since it was picked may have no member list any more
      const members = this.selected
        ? get(appPath('/channels/' + enc(this.selected) + '/members')).catch((e) => {
            if (e.status === 401) throw e;
            return { members: [] };
          })
        : Promise.resolve(null);
      run(
        Promise.all([get(appPath('/channels' + query)), get(appPath('/users')), members])
          .then(([ch, us, mem]) => {
            if (app !== state.app) return;
            this.renderChannels(ch, prefix);
            this.renderUsers(us);
            if (this.selected && mem) this.renderMembers(this.selected, mem.members);
            $('view-channels').dataset.loaded = String(Date.now());
          })
          .finally(() => {
            this.loading = false;
          }),
        'Channels'
      );
    },

    renderChannels(answer, prefix) {
      const list = Array.isArray(answer.channels) ? answer.channels : [];
      const body = clear($('channels-table').tBodies[0]);
      for (const c of list) {
        const name = String(c.name || '');
        const [type, cls] = channelType(name);
        const presence = type === 'presence';
        const tr = h('tr', {
          class: presence ? 'clickable' : null,
          'data-channel': name,
          'data-test': 'channel-row',
          onclick: presence ? () => this.select(name) : null,
          title: presence ? 'Show the members' : null,
        },
          h('td', { class: 'name', text: name }),
          h('td', {}, h('span', { class: 'badge ' + cls, text: type })),
          h('td', { class: 'num', text: fmtInt(c.subscription_count) }),
          h('td', { class: 'num', text: presence ? fmtInt(c.user_count) : '' })
        );
        if (name === this.selected) tr.classList.add('selected');
        body.append(tr);
      }
      $('channels-empty').hidden = list.length > 0;
      $('channels-empty').textContent = prefix ? 'No occupied channel starts with “' + prefix + '”.' : 'No occupied channels.';
      let note = list.length === 1 ? '1 occupied channel' : num.format(list.length) + ' occupied channels';
      if (answer.truncated) note += ' (the first ' + num.format(list.length) + ': narrow with a prefix)';
      $('channels-note').textContent = note + ' · refreshes every 10 s';
      if (this.selected && !list.some((c) => c.name === this.selected) && !prefix) {
        this.renderMembers(this.selected, []);
      }
    },

    select(name) {
      this.selected = name;
      for (const tr of $('channels-table').tBodies[0].rows) tr.classList.toggle('selected', tr.dataset.channel === name);
      $('members-channel').hidden = false;
      $('members-channel').textContent = name;
      $('members-hint').hidden = true;
      clear($('members-list'));
      const app = state.app;
      run(
        get(appPath('/channels/' + enc(name) + '/members')).then((m) => {
          if (app === state.app && this.selected === name) this.renderMembers(name, m.members);
        }),
        'Members'
      );
    },

    renderMembers(name, members) {
      const list = clear($('members-list'));
      const all = Array.isArray(members) ? members : [];
      $('members-channel').hidden = !name;
      $('members-channel').textContent = name || '';
      $('members-hint').hidden = !!name;
      $('members-count').textContent = name ? (all.length === 1 ? '1 member' : all.length + ' members') : '';
      for (const m of all) {
        const id = String(m && m.id !== undefined ? m.id : '');
        const li = h('li', { 'data-member': id, 'data-test': 'member' }, h('div', { class: 'id', text: id }));
        if (m && m.info !== undefined && m.info !== null) {
          const pre = h('pre', { class: 'json' });
          renderJson(pre, m.info);
          li.append(pre);
        }
        list.append(li);
      }
      if (name && all.length === 0) list.append(h('li', { class: 'meta', text: 'Nobody is in this channel now.' }));
    },

    renderUsers(answer) {
      const users = Array.isArray(answer.users) ? answer.users : [];
      const body = clear($('users-table').tBodies[0]);
      for (const u of users) {
        const id = String(u.id);
        body.append(
          h('tr', { 'data-user': id, 'data-test': 'user-row' },
            h('td', { class: 'name', text: id }),
            h('td', { class: 'num', text: fmtInt(u.connections) }),
            h('td', { class: 'meta', text: Array.isArray(u.node) ? u.node.join(', ') : u.node || '' }),
            h('td', { class: 'actions' },
              h('button', {
                type: 'button',
                class: 'btn danger small',
                'data-test': 'terminate',
                onclick: () => this.terminate(id),
                text: 'Terminate',
              })))
        );
      }
      $('users-empty').hidden = users.length > 0;
      $('users-note').textContent = users.length === 1 ? '1 user' : num.format(users.length) + ' users';
    },

    async terminate(id) {
      const ok = await confirmDialog(
        'Terminate ' + id + '?',
        'Every connection of user “' + id + '” is closed, on every node. Their clients may reconnect.',
        'Terminate'
      );
      if (!ok) return;
      run(
        post(appPath('/users/' + enc(id) + '/terminate'), {}).then(() => {
          toast('Closed the connections of ' + id);
          this.load();
        }),
        'Terminate'
      );
    },
  };

  // ---------------------------------------------------------------- webhooks

  function outcomeBadge(outcome) {
    const o = String(outcome || '');
    let cls = 'grey';
    if (/deliver|success|^ok$|accepted|sent/i.test(o)) cls = 'ok';
    else if (/retry|pending|waiting|sending|in.flight/i.test(o)) cls = 'warn';
    else if (/fail|drop|gave|expired|refused|error|shed/i.test(o)) cls = 'bad';
    return h('span', { class: 'badge ' + cls, 'data-outcome': o, text: o ? words(o) : '–' });
  }

  /** The last answer: an HTTP status, or why there was none (timeout, connection refused…). */
  function statusBadge(status, reason) {
    const s = Number(status);
    if (s > 0) {
      const cls = s >= 200 && s < 300 ? 'ok' : s >= 500 ? 'bad' : 'warn';
      return h('span', { class: 'badge ' + cls, title: reason || null, text: String(s) });
    }
    if (s === 0 && !reason) return h('span', { class: 'meta', text: 'not sent yet' });
    return h('span', { class: 'badge bad', title: reason || null, text: reason ? words(reason) : 'no answer' });
  }

  const webhooks = {
    timer: null,
    loading: false,

    enter() {
      this.load();
      this.timer = setInterval(() => this.load(), REFRESH_MS);
    },

    leave() {
      clearInterval(this.timer);
      this.timer = null;
    },

    appChanged() {
      clear($('webhook-targets'));
    },

    load() {
      if (this.loading || !state.app) return;
      this.loading = true;
      const app = state.app;
      run(
        get(appPath('/webhooks'))
          .then((w) => {
            if (app === state.app) this.render(w);
            $('view-webhooks').dataset.loaded = String(Date.now());
          })
          .finally(() => {
            this.loading = false;
          }),
        'Webhooks'
      );
    },

    render(w) {
      const targets = Array.isArray(w.targets) ? w.targets : [];
      const failed = Array.isArray(w.failed) ? w.failed : [];
      const drops = Array.isArray(w.drops) ? w.drops : [];
      $('webhooks-none').hidden = targets.length > 0 || failed.length > 0 || drops.length > 0;
      $('webhooks-note').textContent =
        (targets.length === 1 ? '1 target' : targets.length + ' targets') + ' of this node · refreshes every 10 s';

      const box = clear($('webhook-targets'));
      targets.forEach((t, i) => {
        const deliveries = Array.isArray(t.deliveries) ? t.deliveries : [];
        const rows = deliveries.map((d) =>
          h('tr', {
            'data-delivery': d.id === undefined ? '' : String(d.id),
            'data-test': 'delivery-row',
            'data-status': d.status === undefined ? '' : String(d.status),
            'data-outcome': String(d.outcome || ''),
          },
            h('td', { class: 'nowrap', text: when(d.time) }),
            h('td', {},
              h('div', { text: eventsText(d.event_types, d.events) }),
              h('div', { class: 'meta' },
                typeof d.bytes === 'number' ? fmtBytes(d.bytes) : null,
                d.replay_of ? h('span', { class: 'badge accent tag', title: 'A replay of batch ' + d.replay_of, text: 'replay' }) : null)),
            h('td', {}, statusBadge(d.status, d.reason)),
            h('td', { class: 'num', 'data-field': 'attempt', text: fmtInt(d.attempt) }),
            h('td', { class: 'num', text: typeof d.latency_ms === 'number' && d.latency_ms >= 0 ? fmtInt(d.latency_ms) + ' ms' : '–' }),
            h('td', { class: 'nowrap', text: d.next_retry ? relative(d.next_retry) : '–', title: d.next_retry ? when(d.next_retry) : null }),
            h('td', {}, outcomeBadge(d.outcome)))
        );
        box.append(
          h('section', { class: 'card', 'data-test': 'webhook-target', 'data-url': String(t.url || ''), id: 'webhook-target-' + i },
            h('div', { class: 'card-head' },
              h('div', {}, h('h2', { text: 'Target' }), h('div', { class: 'target-url', text: String(t.url || '') })),
              h('span', { class: 'meta', text: deliveries.length === 1 ? '1 recent batch' : deliveries.length + ' recent batches' })),
            deliveries.length
              ? h('table', { class: 'data' },
                  h('thead', {}, h('tr', {},
                    h('th', { text: 'Time' }), h('th', { text: 'Events' }), h('th', { text: 'Last answer' }),
                    h('th', { class: 'num', text: 'Attempts' }), h('th', { class: 'num', text: 'Latency' }),
                    h('th', { text: 'Next retry' }), h('th', { text: 'Outcome' }))),
                  h('tbody', {}, rows))
              : h('p', { class: 'empty', text: 'Nothing sent to this target yet.' }))
        );
      });

      $('failed-card').hidden = failed.length === 0;
      const kept = w.kept && typeof w.kept === 'object' ? w.kept : null;
      $('failed-note').textContent = kept && typeof kept.batches === 'number'
        ? num.format(kept.batches) + ' kept for replay (' + fmtBytes(kept.bytes) + ')'
        : 'retries used up; replay sends the batch again';
      const fb = clear($('failed-table').tBodies[0]);
      for (const f of failed) {
        const id = String(f.id);
        const replayable = f.replayable === true;
        const reason = f.not_replayable || f.not_replayable_reason || 'This batch can no longer be replayed.';
        fb.append(
          h('tr', { 'data-batch': id, 'data-test': 'failed-row', 'data-outcome': String(f.outcome || '') },
            h('td', { class: 'nowrap', text: when(f.failed_at || f.time) }),
            h('td', { class: 'target-url', text: String(f.url || '') }),
            h('td', {}, h('div', { text: eventsText(f.event_types, f.events) }), h('div', { class: 'meta', text: fmtBytes(f.bytes) })),
            h('td', {}, f.outcome === 'shed' ? outcomeBadge('shed') : statusBadge(f.status, f.reason)),
            h('td', { class: 'num', text: fmtInt(f.attempts) }),
            h('td', { class: 'actions' },
              h('button', {
                type: 'button',
                class: 'btn secondary small',
                'data-test': 'replay',
                disabled: !replayable,
                title: replayable ? 'Send this batch again' : reason,
                onclick: replayable ? (e) => this.replay(id, e.currentTarget) : null,
                text: 'Replay',
              }),
              replayable ? null : h('span', { class: 'disabled-reason', 'data-test': 'replay-reason', text: reason })))
        );
      }

      $('drops-card').hidden = drops.length === 0;
      const db = clear($('drops-table').tBodies[0]);
      for (const d of drops) {
        db.append(
          h('tr', { 'data-test': 'drop-row' },
            h('td', { class: 'mono', text: String(d.type || '') }),
            h('td', { text: words(d.reason) }),
            h('td', { class: 'num', text: fmtInt(d.count) }))
        );
      }
    },

    replay(id, button) {
      button.disabled = true;
      run(
        post(appPath('/webhooks/' + enc(id) + '/replay'), {})
          .then(() => {
            hooks.replays++;
            toast('Batch sent again');
            this.load();
          })
          .catch((e) => {
            button.disabled = false;
            throw e;
          }),
        'Replay'
      );
    },
  };

  // ---------------------------------------------------------------- apps

  function settingText(v) {
    if (v === null || v === undefined) return '–';
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  const apps = {
    enter() {
      this.renderForm();
      run(loadApps().then(() => this.render()), 'Apps');
    },

    renderForm() {
      $('app-create-card').hidden = !state.editable;
      if (!$('app-key').value) $('app-key').value = randomHex(10);
      this.renderFields();
    },

    /** One input per setting the server offers; an empty one leaves Herald's default. */
    renderFields() {
      const box = $('app-fields');
      const names = state.fields.map((f) => String(f.name)).join(',');
      if (box.dataset.names === names) return;
      box.dataset.names = names;
      clear(box);
      $('app-fields-box').hidden = state.fields.length === 0;
      for (const f of state.fields) {
        const name = String(f.name);
        const def = f.default === null || f.default === undefined ? '' : String(f.default);
        const requirement = String(f.requirement || '');
        let input;
        if (requirement === 'true or false') {
          input = h('select', { class: 'input', 'data-setting': name },
            h('option', { value: '', text: 'default (' + (def || 'none') + ')' }),
            h('option', { value: 'true', text: 'true' }),
            h('option', { value: 'false', text: 'false' }));
        } else {
          input = h('input', { type: 'text', 'data-setting': name, maxlength: 1000, placeholder: def === '' ? 'none' : def, autocomplete: 'off' });
        }
        box.append(h('label', { class: 'field', title: requirement }, name, input));
      }
    },

    /** The settings given in the form: only those not left empty. */
    settingsGiven() {
      const out = {};
      for (const e of $('app-fields').querySelectorAll('[data-setting]')) {
        const v = e.value.trim();
        if (v !== '') out[e.dataset.setting] = v;
      }
      return out;
    },

    render() {
      this.renderForm();
      $('apps-note').textContent =
        (state.apps.length === 1 ? '1 app' : state.apps.length + ' apps') +
        (state.editable ? '' : ' · read only: apps come from the configuration');
      const body = clear($('apps-table').tBodies[0]);
      for (const a of state.apps) {
        const id = String(a.id);
        const settings = a.settings && typeof a.settings === 'object' ? Object.entries(a.settings) : [];
        if (Array.isArray(a.webhooks) && a.webhooks.length) settings.unshift(['webhooks', a.webhooks.join(', ')]);
        const canEdit = state.editable && a.source === 'database';
        const actions = h('td', { class: 'actions' });
        if (canEdit) {
          actions.append(
            a.enabled === false
              ? h('button', { type: 'button', class: 'btn secondary small', 'data-test': 'app-enable', onclick: () => this.setEnabled(id, true), text: 'Enable' })
              : h('button', { type: 'button', class: 'btn danger small', 'data-test': 'app-disable', onclick: () => this.setEnabled(id, false), text: 'Disable' }),
            ' ',
            h('button', { type: 'button', class: 'btn secondary small', 'data-test': 'app-rotate', onclick: () => this.rotate(id), text: 'Rotate secret' })
          );
        } else if (state.editable) {
          actions.append(h('span', { class: 'meta', text: 'from the configuration' }));
        }
        body.append(
          h('tr', { 'data-app': id, 'data-test': 'app-row', 'data-enabled': String(a.enabled !== false) },
            h('td', { class: 'wrap' },
              h('div', { class: 'name', text: id }),
              settings.length
                ? h('details', {},
                    h('summary', { class: 'meta', text: settings.length + ' settings' }),
                    h('dl', { class: 'settings' }, settings.map(([k, v]) => [h('dt', { text: k }), h('dd', { 'data-setting': k, text: settingText(v) })])))
                : null),
            h('td', { class: 'mono wrap', text: String(a.key || '') }),
            h('td', { class: 'mono', 'data-test': 'app-secret', text: String(a.secret || '') }),
            h('td', {}, h('span', { class: a.enabled === false ? 'badge bad' : 'badge ok', text: a.enabled === false ? 'disabled' : 'enabled' })),
            h('td', {}, h('span', { class: 'badge grey', text: String(a.source || '') })),
            actions)
        );
      }
      if (state.apps.length === 0) body.append(h('tr', {}, h('td', { colspan: 6, class: 'meta', text: 'No apps.' })));
    },

    result(text, ok) {
      const e = $('app-result');
      e.className = ok ? 'form-ok' : 'form-error';
      e.textContent = text;
    },

    async create() {
      const id = $('app-id').value.trim();
      const key = $('app-key').value.trim();
      for (const f of ['app-id', 'app-key']) $(f).classList.remove('invalid');
      const refuse = (f, why) => {
        $(f).classList.add('invalid');
        this.result(why, false);
      };
      if (!APP_ID_RULE.test(id)) return refuse('app-id', 'An app id is 1 to 255 characters of A-Z a-z 0-9 . _ -');
      if (!key || key.length > 255 || /\s/.test(key)) return refuse('app-key', 'A key is 1 to 255 characters without spaces.');
      const settings = this.settingsGiven();
      const secret = randomHex(20);
      $('app-create').disabled = true;
      try {
        await post('/apps', { id, key, secret, settings });
        this.result('Created ' + id, true);
        $('app-id').value = '';
        $('app-key').value = randomHex(10);
        for (const e of $('app-fields').querySelectorAll('[data-setting]')) e.value = '';
        await loadApps();
        this.render();
        showSecret('Secret of ' + id, secret);
      } catch (e) {
        if (e.status !== 401) this.result('Not created: ' + e.message, false);
      } finally {
        $('app-create').disabled = false;
      }
    },

    async setEnabled(id, enabled) {
      if (!enabled) {
        const ok = await confirmDialog(
          'Disable ' + id + '?',
          'Its clients are refused and its API calls fail until it is enabled again.',
          'Disable'
        );
        if (!ok) return;
      }
      run(
        post('/apps/' + enc(id) + (enabled ? '/enable' : '/disable'), {})
          .then(() => loadApps())
          .then(() => {
            this.render();
            toast((enabled ? 'Enabled ' : 'Disabled ') + id);
          }),
        enabled ? 'Enable' : 'Disable'
      );
    },

    async rotate(id) {
      const ok = await confirmDialog(
        'Rotate the secret of ' + id + '?',
        'A new secret is made in this browser and shown once. Until your servers use it, their API calls and channel authorizations fail.',
        'Rotate secret'
      );
      if (!ok) return;
      const secret = randomHex(20);
      run(
        post('/apps/' + enc(id) + '/secret', { secret }).then(() => {
          showSecret('New secret of ' + id, secret);
        }),
        'Rotate secret'
      );
    },
  };

  // ---------------------------------------------------------------- dialogs

  function confirmDialog(title, text, okLabel) {
    const d = $('confirm');
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('confirm-ok').textContent = okLabel || 'OK';
    d.returnValue = '';
    return new Promise((resolve) => {
      d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
      d.showModal();
    });
  }

  function showSecret(title, secret) {
    $('secret-title').textContent = title;
    $('secret-value').textContent = secret;
    $('secret-copy').textContent = 'Copy';
    const d = $('secret-dialog');
    d.addEventListener('close', () => {
      // shown once: gone from the page as soon as the dialog closes
      $('secret-value').textContent = '';
    }, { once: true });
    d.showModal();
  }

  // ---------------------------------------------------------------- wiring

  const views = { overview, debug, events: creator, channels, webhooks, apps };

  function wire() {
    window.addEventListener('hashchange', route);
    $('app-picker').addEventListener('change', (e) => selectApp(e.target.value));
    for (const b of document.querySelectorAll('[data-span]')) b.addEventListener('click', () => overview.setSpan(b.dataset.span));
    $('debug-pause').addEventListener('click', () => debug.togglePause());
    $('debug-clear').addEventListener('click', () => debug.clearAll());
    for (const [id, name] of [['filter-channel', 'channel'], ['filter-event', 'event'], ['filter-socket', 'socket']]) {
      $(id).addEventListener('input', (e) => debug.setFilter(name, e.target.value));
    }
    $('filter-kind').addEventListener('change', (e) => debug.setFilter('kind', e.target.value));
    $('event-form').addEventListener('submit', (e) => {
      e.preventDefault();
      run(creator.submit(), 'Send');
    });
    $('channel-prefix').addEventListener('input', () => channels.prefixChanged());
    $('event-data').addEventListener('input', () => creator.count());
    $('channels-refresh').addEventListener('click', () => channels.load());
    $('webhooks-refresh').addEventListener('click', () => webhooks.load());
    $('app-form').addEventListener('submit', (e) => {
      e.preventDefault();
      run(apps.create(), 'Create app');
    });
    $('secret-copy').addEventListener('click', () => {
      const text = $('secret-value').textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          () => ($('secret-copy').textContent = 'Copied'),
          () => selectSecret()
        );
      } else {
        selectSecret();
      }
    });
  }

  function selectSecret() {
    const range = document.createRange();
    range.selectNodeContents($('secret-value'));
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    $('secret-copy').textContent = 'Selected: press Ctrl+C';
  }

  async function start() {
    wire();
    try {
      state.session = await get('/session');
      renderNodeInfo();
      await loadApps();
    } catch (e) {
      if (e.status !== 401) {
        $('loading').textContent = 'The console could not load: ' + e.message;
      }
      return;
    }
    $('tabs').hidden = false;
    debug.renderNodeColumn();
    hooks.ready = true;
    route();
    // nodes join and leave a cluster: its size (and a restarted node's CSRF value) kept current
    setInterval(() => {
      if (!state.session) return;
      get('/session').then(
        (s) => {
          state.session = s;
          renderNodeInfo();
          debug.renderNodeColumn();
        },
        () => {}
      );
    }, SESSION_REFRESH_MS);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
