/*
 * Herald CI dashboard: live updates through the official pusher-js.
 *
 * The server pushes the changed content itself (a new build row, new log lines, a status
 * change) and this file patches the page in place: no reloads, no re-fetching per event.
 * The only fetches are one catch-up after the subscriptions are in place (to cover the gap
 * between rendering the page and subscribing) and one after every reconnect.
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
    stats: { events: 0, fetches: 0, reconnects: 0, syncs: [] },
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

  // ---- connection state and catch-up --------------------------------------------------------

  var connEl = document.getElementById('conn');
  var everConnected = false;
  var catchUpPending = true; // the first catch-up, right after the first subscriptions
  var channelNames = [];
  var settled = {};

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
      settled = {};
      if (everConnected) {
        ciDash.stats.reconnects++;
        catchUpPending = true;
      }
      everConnected = true;
    }
    showState(s.current);
  });

  function channelSettled(name) {
    settled[name] = true;
    for (var i = 0; i < channelNames.length; i++) {
      if (!settled[channelNames[i]]) return;
    }
    if (pusher.connection.state !== 'connected') return;
    ciDash.live = true;
    showState('connected');
    if (catchUpPending) {
      catchUpPending = false;
      catchUp(ciDash.stats.reconnects > 0 ? 'reconnect' : 'subscribed');
    }
  }

  function subscribe(name, handlers) {
    channelNames.push(name);
    var channel = pusher.subscribe(name);
    channel.bind('pusher:subscription_succeeded', function () {
      channelSettled(name);
    });
    channel.bind('pusher:subscription_error', function (err) {
      ciDash.subscriptionErrors.push({ channel: name, status: err && err.status, type: err && err.type });
      channelSettled(name);
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
      ciDash.stats.syncs.push(reason);
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
    var gapFetch = false;

    function lineClass(t) {
      if (t.indexOf('[ERROR]') === 0 || t.indexOf('BUILD FAILURE') >= 0) return ' err';
      if (t.indexOf('BUILD SUCCESS') >= 0) return ' ok';
      if (t.indexOf('$ ') === 0) return ' cmd';
      return '';
    }

    function appendLines(lines) {
      var nearBottom = logEl.scrollHeight - logEl.scrollTop - logEl.clientHeight < 40;
      var html = '';
      var gap = false;
      lines.forEach(function (l) {
        if (l.n <= lastLine) return; // already shown
        if (l.n !== lastLine + 1) {
          gap = true; // missed something: fetch it below
          return;
        }
        lastLine = l.n;
        html +=
          '<div class="line' + lineClass(l.text) + '" data-n="' + l.n + '"><span class="ln">' + l.n +
          '</span><span class="tx">' + esc(l.text) + '</span></div>';
      });
      if (html) {
        logEl.insertAdjacentHTML('beforeend', html);
        logEl.setAttribute('data-last-line', lastLine);
        countEl.textContent = lastLine + (lastLine === 1 ? ' line' : ' lines');
        if (nearBottom) logEl.scrollTop = logEl.scrollHeight;
      }
      if (gap && !gapFetch) {
        gapFetch = true;
        catchUp('gap');
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
    }

    subscribe('private-build-' + cfg.buildId, {
      'log-lines': function (chunk) {
        appendLines(chunk.lines);
      },
      'build-updated': updateBuild,
    });

    catchUp = function (reason) {
      ciDash.stats.syncs.push(reason);
      getJson('/api/builds/' + cfg.buildId + '/log?after=' + lastLine)
        .then(function (body) {
          gapFetch = false;
          appendLines(body.log.lines);
          updateBuild(body.build);
        })
        .catch(function (e) {
          gapFetch = false;
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
