-- Records one event in its channel's history and publishes it, in one step: every node receives
-- a channel's recorded events in the order of their positions (docs/recovery.md).
-- KEYS: the channel's meta, its stream.
-- ARGV: an epoch to start if the channel has none, size, ttl (ms), how long the meta outlives the
--       last event (ms), relay channel, node id, excluded socket id ('' for none), frame, and
--       how to publish: 'SPUBLISH' (a shard channel, on a Redis Cluster) or 'PUBLISH'.
-- Publishes the relay's recorded publication ('R', see Relay.java) and returns {epoch, serial}.
local size, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
local epoch = meta(KEYS[1], KEYS[2], ARGV[1], ARGV[4])
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local now = now_ms()
redis.call('XADD', KEYS[2], 'MAXLEN', size, id(n),
  'f', ARGV[8], 't', string.format('%d', now), 'x', ARGV[7])
-- MAXLEN keeps the size; what aged out goes every 64th event (reads skip it meanwhile): the
-- bisection costs a third of the script, and a busy channel's aged events are bounded by its size
if n % 64 == 0 then trim(KEYS[2], size, ttl, now) end
-- a quiet channel's events all age out with the stream; its epoch stays a day longer, so a client
-- that comes back finds its position still in the epoch and gets no gap
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local position = epoch .. ':' .. string.format('%d', n)
local verb = ARGV[9] == 'SPUBLISH' and 'SPUBLISH' or 'PUBLISH'
redis.call(verb, ARGV[5], 'R' .. string.char(#ARGV[6]) .. ARGV[6]
  .. string.char(#ARGV[7]) .. ARGV[7] .. string.char(#position) .. position .. ARGV[8])
return {epoch, n}
