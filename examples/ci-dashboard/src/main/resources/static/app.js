/*
 * Herald CI dashboard: live updates through the official pusher-js, with Herald's recovery add-on
 * (herald-recovery, window.HeraldRecovery).
 *
 * The server pushes the changed content itself (a new build row, new log lines, a status
 * change) and this file patches the page in place: no reloads, no re-fetching per event.
 *
 * Fetches happen only when the page would otherwise have missed something:
 * - once after the first subscriptions, for what changed between rendering and subscribing;
 * - when the add-on calls onGap: Herald could not replay what a reconnection missed (the outage
 *   outlasted the channel's history, or Herald lost it in a restart);
 * - after a reconnection on a channel Herald keeps no history for (nothing would replay it);
 * - when the log's line numbers show a hole, or a finished build has more lines than shown: an
 *   event the app never got to Herald (a safety net; recovery leaves it idle otherwise).
 * A plain reconnection fetches nothing: Herald replays the missed events, in order and once,
 * through the same handlers as live ones.
 */
(function () {
  'use strict';

  var cfgEl = document.getElementById('ci-config');
  if (!cfgEl || typeof Pusher === 'undefined') {
    return;
  }
  var cfg = JSON.parse(cfgEl.textContent);

  // Exposed for curious developers and for the end-to-end tests.
  var ciDash = (window.ciDash = {
    cfg: cfg,
    live: false,
    stats: {
      events: 0, // handler calls, live or replayed
      fetches: 0, // every GET of the page's own API
      reconnects: 0,
      recovered: 0, // resubscriptions Herald replayed without a gap
      replayed: 0, // events those replays carried
      gaps: 0, // onGap calls: Herald could not replay what was missed
      refetches: 0, // catch-ups other than the first one
      syncs: [], // the reason of every catch-up: subscribed, gap, reconnect, lines
    },
    gaps: [],
    subscriptionErrors: [],
  });

  var pusher = new Pusher(cfg.key, {
    cluster: 'local', // required by pusher-js 8; unused because wsHost is set
    wsHost: cfg.wsHost,
    wsPort: cfg.wsPort,
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: { endpoint: '/pusher/auth', transport: 'ajax' },
  });
  ciDash.pusher = pusher;

  // ---- connection state, recovery and catch-up -----------------------------------------------

  var connEl = document.getElementById('conn');
  var connections = 0;
  var channelNames = [];
  // channel -> what its subscription on the current connection has got
  var subs = {};
  // channel -> true when Herald's last herald_recovered on it said it keeps history for it
  var kept = {};
  // the catch-up the current connection needs once every channel is in place, or null
  var needed = null;

  // Before subscribing to anything: from now on every subscribe asks Herald to replay what the
  // page missed since its last event on that channel.
  ciDash.recovery = window.HeraldRecovery
    ? window.HeraldRecovery.enableRecovery(pusher, {
        onGap: function (channel, info) {
          ciDash.stats.gaps++;
          ciDash.gaps.push({ channel: channel, reason: info.reason });
          if (ciDash.live) {
            catchUp('gap');
          } else {
            needed = 'gap'; // one catch-up covers every channel's gap on this connection
          }
        },
      })
    : null;

  function showState(state) {
    if (!connEl) return;
    var label = state === 'connected' ? (ciDash.live ? 'live' : 'connecting') : state;
    connEl.setAttribute('data-state', ciDash.live && state === 'connected' ? 'live' : state);
    connEl.querySelector('span').textContent = label;
  }

  pusher.connection.bind('state_change', function (s) {
    if (s.current !== 'connected') {
      ciDash.live = false;
    }
    if (s.current === 'connected') {
      subs = {};
      connections++;
      if (connections > 1) {
        ciDash.stats.reconnects++;
      }
      needed = connections === 1 ? 'subscribed' : null;
    }
    showState(s.current);
  });

  function sub(name) {
    return subs[name] || (subs[name] = { succeeded: false, awaitRecovered: false, recovered: false });
  }

  // The add-on's listener, bound first, has handled this frame (and called onGap) already.
  pusher.connection.bind('message', function (m) {
    if (!m || m.event !== 'pusher_internal:herald_recovered' || channelNames.indexOf(m.channel) < 0) {
      return;
    }
    var d = m.data;
    if (typeof d === 'string') {
      try {
        d = JSON.parse(d);
      } catch (e) {
        d = {};
      }
    }
    d = d || {};
    var s = sub(m.channel);
    s.recovered = true;
    if (s.awaitRecovered && d.history === true && d.gap !== true) {
      ciDash.stats.recovered++;
      ciDash.stats.replayed += typeof d.replayed === 'number' ? d.replayed : 0;
    }
    kept[m.channel] = d.history === true;
    channelSettled();
  });

  function subscribed(name, ok) {
    var s = sub(name);
    s.succeeded = true;
    if (ok && connections > 1) {
      if (kept[name]) {
        // Herald replays what this channel missed, then says so in herald_recovered
        s.awaitRecovered = true;
      } else if (needed === null) {
        // no history for this channel (or no add-on): nothing replays it
        needed = 'reconnect';
      }
    }
    channelSettled();
  }

  function channelSettled() {
    for (var i = 0; i < channelNames.length; i++) {
      var s = subs[channelNames[i]];
      if (!s || !s.succeeded || (s.awaitRecovered && !s.recovered)) return;
    }
    if (pusher.connection.state !== 'connected') return;
    ciDash.live = true;
    showState('connected');
    if (needed !== null) {
      var reason = needed;
      needed = null;
      catchUp(reason);
    }
  }

  function subscribe(name, handlers) {
    channelNames.push(name);
    var channel = pusher.subscribe(name);
    channel.bind('pusher:subscription_succeeded', function () {
      subscribed(name, true);
    });
    channel.bind('pusher:subscription_error', function (err) {
      ciDash.subscriptionErrors.push({ channel: name, status: err && err.status, type: err && err.type });
      subscribed(name, false); // refused: nothing to wait for, nothing to fetch
    });
    Object.keys(handlers).forEach(function (event) {
      channel.bind(event, function (data) {
        ciDash.stats.events++;
        handlers[event](data);
      });
    });
    return channel;
  }

  function getJson(url) {
    ciDash.stats.fetches++;
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r.json();
    });
  }

  function counted(reason) {
    ciDash.stats.syncs.push(reason);
    if (reason !== 'subscribed') {
      ciDash.stats.refetches++;
    }
  }

  var catchUp = function () {};

  // ---- helpers --------------------------------------------------------------------------------

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function ago(ts) {
    var s = Math.max(0, Math.floor((Date.now() - ts) / 1000));
    if (s < 5) return 'just now';
    if (s < 60) return s + 's ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' d ago';
  }

  function duration(started, finished) {
    var end = finished ? Number(finished) : Date.now();
    var s = Math.max(0, Math.floor((end - Number(started)) / 1000));
    if (s < 60) return s + 's';
    var sec = s % 60;
    return Math.floor(s / 60) + 'm ' + (sec < 10 ? '0' : '') + sec + 's';
  }

  function badge(b) {
    return '<span class="badge status-' + esc(b.status) + '">' + esc(b.status) + '</span>';
  }

  function flash(el) {
    el.classList.remove('flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('flash');
  }

  // Keeps relative times and running durations current.
  setInterval(function () {
    document.querySelectorAll('[data-ts]').forEach(function (el) {
      el.textContent = ago(Number(el.getAttribute('data-ts')));
    });
    document.querySelectorAll('.duration[data-started]').forEach(function (el) {
      el.textContent = duration(el.getAttribute('data-started'), el.getAttribute('data-finished'));
    });
  }, 1000);

  // ---- dashboard and project page: build tables --------------------------------------------

  /** Must match Pages.row() on the server. */
  function renderRow(b, withProject) {
    return (
      '<tr id="build-' + b.id + '" data-build-id="' + b.id + '" data-project-id="' + b.projectId +
      '" data-status="' + esc(b.status) + '" data-updated-at="' + b.updatedAt + '">' +
      '<td>' + badge(b) + '</td>' +
      (withProject ? '<td><a href="/projects/' + b.projectId + '">' + esc(b.projectName) + '</a></td>' : '') +
      '<td><a href="/builds/' + b.id + '">#' + b.number + '</a></td>' +
      '<td class="commit"><div class="msg">' + esc(b.message) + '</div><div class="meta"><span class="branch">' +
      esc(b.branch) + '</span> · <code>' + esc(b.commit) + '</code> · ' + esc(b.author) + '</div></td>' +
      '<td class="ago" data-ts="' + b.startedAt + '">' + ago(b.startedAt) + '</td>' +
      '<td class="duration" data-started="' + b.startedAt + '" data-finished="' + (b.finishedAt || '') + '">' +
      duration(b.startedAt, b.finishedAt) + '</td></tr>'
    );
  }

  function setupBuildTable() {
    var table = document.getElementById('builds');
    var tbody = table.tBodies[0];
    var withProject = table.getAttribute('data-with-project') === 'true';
    var limit = cfg.limit || 10;
    var since = cfg.since || 0;

    function upsert(b) {
      if (b.updatedAt > since) since = b.updatedAt;
      var existing = document.getElementById('build-' + b.id);
      if (existing) {
        if (Number(existing.getAttribute('data-updated-at')) > b.updatedAt) return; // stale
        var statusChanged = existing.getAttribute('data-status') !== b.status;
        existing.outerHTML = renderRow(b, withProject);
        if (statusChanged) flash(document.getElementById('build-' + b.id));
      } else {
        var rows = tbody.rows;
        var before = null;
        for (var i = 0; i < rows.length; i++) {
          if (Number(rows[i].getAttribute('data-build-id')) < b.id) {
            before = rows[i];
            break;
          }
        }
        if (!before && rows.length >= limit) return; // older than everything shown
        var tmp = document.createElement('tbody');
        tmp.innerHTML = renderRow(b, withProject);
        var row = tmp.firstChild;
        tbody.insertBefore(row, before);
        flash(row);
        while (tbody.rows.length > limit) tbody.deleteRow(tbody.rows.length - 1);
      }
      var empty = document.getElementById('no-builds');
      if (empty) empty.hidden = tbody.rows.length > 0;
      updateProjectCard(b);
    }

    function updateProjectCard(b) {
      var li = document.getElementById('project-' + b.projectId);
      if (!li) return;
      var latest = li.querySelector('.latest');
      if (Number(latest.getAttribute('data-build-no')) > b.number) return;
      latest.setAttribute('data-build-no', b.number);
      latest.innerHTML = badge(b) + ' <a class="meta" href="/builds/' + b.id + '">#' + b.number + '</a>';
    }

    cfg.projectIds.forEach(function (projectId) {
      subscribe('private-project-' + projectId, { 'build-created': upsert, 'build-updated': upsert });
    });

    catchUp = function (reason) {
      var url = '/api/builds?since=' + since + (cfg.page === 'project' ? '&project=' + cfg.projectId : '');
      counted(reason);
      getJson(url)
        .then(function (body) {
          body.builds
            .slice()
            .reverse()
            .forEach(upsert);
        })
        .catch(function (e) {
          console.warn('catch-up failed', e);
        });
    };

    var form = document.getElementById('start-build');
    if (form) {
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        var button = form.querySelector('button');
        button.disabled = true;
        // The new row arrives through Herald like every other update.
        fetch(form.action, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } })
          .catch(function (err) {
            console.warn('start build failed', err);
          })
          .finally(function () {
            setTimeout(function () {
              button.disabled = false;
            }, 600);
          });
      });
    }
  }

  // ---- build page: live log ----------------------------------------------------------------

  function setupBuildPage() {
    var logEl = document.getElementById('log');
    var countEl = document.getElementById('line-count');
    var statusEl = document.getElementById('build-status');
    var lastLine = cfg.lastLine || 0;
    var updatedAt = cfg.build.updatedAt;
    // lines that came past a hole, by number, until the hole is filled
    var ahead = {};
    var fetching = false;

    function lineClass(t) {
      if (t.indexOf('[ERROR]') === 0 || t.indexOf('BUILD FAILURE') >= 0) return ' err';
      if (t.indexOf('BUILD SUCCESS') >= 0) return ' ok';
      if (t.indexOf('$ ') === 0) return ' cmd';
      return '';
    }

    // Shows each line once, in order, whether it came live, replayed or fetched: a line at or
    // below lastLine is already shown, one past a hole waits for the hole to be filled.
    function appendLines(lines) {
      var nearBottom = logEl.scrollHeight - logEl.scrollTop - logEl.clientHeight < 40;
      lines.forEach(function (l) {
        if (l.n > lastLine) ahead[l.n] = l;
      });
      var html = '';
      while (ahead[lastLine + 1]) {
        var l = ahead[lastLine + 1];
        delete ahead[lastLine + 1];
        lastLine = l.n;
        html +=
          '<div class="line' + lineClass(l.text) + '" data-n="' + l.n + '"><span class="ln">' + l.n +
          '</span><span class="tx">' + esc(l.text) + '</span></div>';
      }
      if (html) {
        logEl.insertAdjacentHTML('beforeend', html);
        logEl.setAttribute('data-last-line', lastLine);
        countEl.textContent = lastLine + (lastLine === 1 ? ' line' : ' lines');
        if (nearBottom) logEl.scrollTop = logEl.scrollHeight;
      }
      if (!fetching && Object.keys(ahead).length > 0) {
        catchUp('lines'); // missed something that nothing will replay
      }
    }

    function updateBuild(b) {
      if (b.updatedAt < updatedAt) return;
      updatedAt = b.updatedAt;
      if (statusEl.getAttribute('data-status') !== b.status) {
        statusEl.setAttribute('data-status', b.status);
        statusEl.innerHTML = badge(b);
        flash(statusEl);
      }
      var d = document.querySelector('.page-head .duration');
      if (d) d.setAttribute('data-finished', b.finishedAt || '');
      // The row says how many lines the build has: more than shown means an event the app never
      // got to Herald (nothing can replay that), at the end of the log where no later line shows
      // a hole.
      if (b.lineCount > lastLine && !fetching) {
        catchUp('lines');
      }
    }

    subscribe('private-build-' + cfg.buildId, {
      'log-lines': function (chunk) {
        appendLines(chunk.lines);
      },
      'build-updated': updateBuild,
    });

    catchUp = function (reason) {
      counted(reason);
      fetching = true;
      getJson('/api/builds/' + cfg.buildId + '/log?after=' + lastLine)
        .then(function (body) {
          fetching = false;
          appendLines(body.log.lines);
          updateBuild(body.build);
        })
        .catch(function (e) {
          fetching = false;
          console.warn('catch-up failed', e);
        });
    };

    logEl.scrollTop = logEl.scrollHeight;
  }

  if (cfg.page === 'build') {
    setupBuildPage();
  } else if (cfg.page === 'dashboard' || cfg.page === 'project') {
    setupBuildTable();
  }
})();
