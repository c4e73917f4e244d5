/*
 * herald-recovery: asks a Herald server to replay, on each resubscription, the events a pusher-js
 * client missed while it was away (docs/recovery.md of Herald). No dependencies; CommonJS in Node
 * and bundlers, `window.HeraldRecovery` from a plain <script>.
 *
 * Written in ES5 on purpose: it is loaded as is, untranspiled, in whatever browser runs pusher-js.
 */
(function (root, factory) {
  'use strict';
  var api = factory();
  if (typeof module === 'object' && module && module.exports) {
    module.exports = api;
  }
  if (typeof window !== 'undefined') {
    window.HeraldRecovery = api;
  } else if (root && typeof module !== 'object') {
    root.HeraldRecovery = api;
  }
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  // docs/recovery.md: at most 10 earlier socket ids per request.
  var MAX_SOCKET_IDS = 10;
  var POSITION_EVENT = 'pusher_internal:herald_position';
  var RECOVERED_EVENT = 'pusher_internal:herald_recovered';
  var STATE = '__heraldRecovery';

  function hasOwn(o, k) {
    return Object.prototype.hasOwnProperty.call(o, k);
  }

  // pusher-js parses a frame's data when it is JSON text; another client build might not.
  function dataOf(event) {
    var d = event.data;
    if (typeof d === 'string') {
      try {
        d = JSON.parse(d);
      } catch (e) {
        return {};
      }
    }
    return d && typeof d === 'object' ? d : {};
  }

  function isOrdinary(name) {
    return name.indexOf('pusher:') !== 0 && name.indexOf('pusher_internal:') !== 0;
  }

  function defaultOnGap(channel, info) {
    if (typeof console !== 'undefined' && console.warn) {
      console.warn('herald-recovery: events on ' + channel + ' could not all be replayed (' +
        info.reason + '); refetch its state');
    }
  }

  /**
   * Makes every later subscription of this pusher-js client recoverable. Call it right after the
   * client is created, before the app subscribes to anything.
   *
   * @param pusher a pusher-js client (`new Pusher(...)`, or Laravel Echo's `echo.connector.pusher`)
   * @param options.onGap (channelName, {reason, position, replayed}) called when events after the
   *        client's position could not all be replayed: the app must refetch that channel's
   *        state. Default: console.warn.
   * @return {position(channel), disable()}
   */
  function enableRecovery(pusher, options) {
    if (!pusher || typeof pusher.send_event !== 'function' || !pusher.connection ||
        typeof pusher.connection.bind !== 'function') {
      throw new TypeError('herald-recovery: enableRecovery needs a pusher-js client ' +
        '(new Pusher(...), or Laravel Echo\'s echo.connector.pusher)');
    }
    if (pusher[STATE]) {
      return pusher[STATE];
    }
    options = options || {};
    var onGap = typeof options.onGap === 'function' ? options.onGap : defaultOnGap;

    // Maps without a prototype: `__proto__` is a valid channel name.
    // channel -> the last position whose event the app's handlers have had
    var committed = Object.create(null);
    // channel -> the position announced for the next event on the channel, not yet received
    var pending = Object.create(null);
    // channels the app subscribed to before enableRecovery: their position is unknown
    var untracked = Object.create(null);
    // this client's socket ids, oldest first, the current one possibly last
    var socketIds = [];

    var connection = pusher.connection;
    var hadOwnSendEvent = hasOwn(pusher, 'send_event');
    var originalSendEvent = pusher.send_event;

    // Channels the app subscribed to already: their subscribe went out without a request, so
    // what they miss until their next subscription is unknowable. Said once, and again through
    // onGap when they resubscribe, rather than skipped silently.
    var enabledOnSocket = connection.socket_id;
    if (typeof pusher.allChannels === 'function') {
      var early = pusher.allChannels().filter(function (c) {
        return c.subscribed || c.subscriptionPending;
      }).map(function (c) { return c.name; });
      for (var i = 0; i < early.length; i++) {
        untracked[early[i]] = true;
      }
      if (early.length > 0 && typeof console !== 'undefined' && console.warn) {
        console.warn('herald-recovery: enableRecovery was called after subscribing to ' +
          early.join(', ') + '; call it before subscribing');
      }
    }

    function rememberSocketId(id) {
      if (typeof id !== 'string' || id === '' || socketIds[socketIds.length - 1] === id) {
        return;
      }
      var at = socketIds.indexOf(id);
      if (at >= 0) {
        socketIds.splice(at, 1);
      }
      socketIds.push(id);
      // the earlier ones the server may be told of, and the current one
      while (socketIds.length > MAX_SOCKET_IDS + 1) {
        socketIds.shift();
      }
    }

    function earlierSocketIds() {
      var current = connection.socket_id;
      rememberSocketId(current);
      var earlier = socketIds.filter(function (id) { return id !== current; });
      return earlier.slice(Math.max(0, earlier.length - MAX_SOCKET_IDS));
    }

    function forget(channel) {
      delete committed[channel];
      delete pending[channel];
      delete untracked[channel];
    }

    function withRecovery(data) {
      var channel = data.channel;
      if (hasOwn(untracked, channel) && connection.socket_id === enabledOnSocket) {
        // the early subscription itself, sent only now (its authorization took a while)
        delete untracked[channel];
      }
      // A position announced on an earlier connection whose event never came is void: the
      // event will be replayed after the committed position.
      delete pending[channel];
      var request = { socket_ids: earlierSocketIds() };
      if (hasOwn(committed, channel)) {
        request.position = committed[channel];
      }
      var copy = {};
      for (var k in data) {
        if (hasOwn(data, k)) {
          copy[k] = data[k];
        }
      }
      copy.herald_recovery = request;
      return copy;
    }

    function sendEvent(name, data, channel) {
      if (data && typeof data === 'object' && typeof data.channel === 'string') {
        if (name === 'pusher:subscribe') {
          data = withRecovery(data);
        } else if (name === 'pusher:unsubscribe') {
          forget(data.channel);
        }
      }
      return originalSendEvent.call(pusher, name, data, channel);
    }

    function gap(channel, info) {
      try {
        onGap(channel, info);
      } catch (e) {
        if (typeof console !== 'undefined' && console.error) {
          console.error('herald-recovery: onGap for ' + channel + ' threw', e);
        }
      }
    }

    function onRecovered(channel, d) {
      delete pending[channel];
      var wasUntracked = hasOwn(untracked, channel);
      delete untracked[channel];
      var info = {
        reason: typeof d.reason === 'string' ? d.reason : 'unknown',
        position: typeof d.position === 'string' ? d.position : null,
        replayed: typeof d.replayed === 'number' ? d.replayed : 0,
      };
      if (d.history === false) {
        // No history rule matches the channel: nothing to track. A gap all the same when the
        // client had a position there (the rule was removed): what it missed is gone.
        delete committed[channel];
        if (d.gap === true) {
          gap(channel, info);
        }
        return;
      }
      if (info.position !== null) {
        committed[channel] = info.position;
      }
      if (d.gap === true) {
        gap(channel, info);
      } else if (wasUntracked) {
        // subscribed before the add-on knew of it: what it missed since is unknowable
        info.reason = 'untracked';
        gap(channel, info);
      }
    }

    function onMessage(event) {
      if (!event || typeof event.event !== 'string' || typeof event.channel !== 'string') {
        return;
      }
      var channel = event.channel;
      if (event.event === POSITION_EVENT) {
        var position = dataOf(event).position;
        if (typeof position === 'string') {
          pending[channel] = position;
        }
      } else if (event.event === RECOVERED_EVENT) {
        onRecovered(channel, dataOf(event));
      } else if (isOrdinary(event.event) && hasOwn(pending, channel)) {
        // pusher-js's own 'message' listener, bound when the client was built, has already
        // handed this event to the app's handlers: only now is it safe to move past it.
        committed[channel] = pending[channel];
        delete pending[channel];
      }
    }

    function onConnected() {
      rememberSocketId(connection.socket_id);
    }

    pusher.send_event = sendEvent;
    connection.bind('message', onMessage);
    connection.bind('connected', onConnected);
    rememberSocketId(connection.socket_id);

    var handle = {
      /** The last position whose event this client has had on channel, or null. */
      position: function (channel) {
        return hasOwn(committed, channel) ? committed[channel] : null;
      },
      /** Stops asking for replays and tracking positions; later subscriptions are plain ones. */
      disable: function () {
        if (pusher.send_event === sendEvent) {
          if (hadOwnSendEvent) {
            pusher.send_event = originalSendEvent;
          } else {
            delete pusher.send_event;
          }
        }
        connection.unbind('message', onMessage);
        connection.unbind('connected', onConnected);
        committed = Object.create(null);
        pending = Object.create(null);
        untracked = Object.create(null);
        if (pusher[STATE] === handle) {
          delete pusher[STATE];
        }
      },
    };
    pusher[STATE] = handle;
    return handle;
  }

  return { enableRecovery: enableRecovery };
});
