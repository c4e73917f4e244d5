-- Claims a node for reaping, once per cluster: a node whose lease lapsed moves from the leases to
-- the reaping set, scored by when it was claimed; a claim older than `stale` is taken over, since
-- its reaper died before finishing. A node leaving cleanly claims itself, whatever its lease.
-- Until the reaper finishes (ZREM from reaping), every decision counts the node as gone.
-- KEYS: the leases, the reaping set. ARGV: now (ms), the node, stale (ms), 1 to claim oneself.
-- Returns 1 if the caller now reaps the node, 0 if another does or it is alive.
local now, stale = tonumber(ARGV[1]), tonumber(ARGV[3])
local lease = redis.call('ZSCORE', KEYS[1], ARGV[2])
if lease and (ARGV[4] == '1' or tonumber(lease) < now) then
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[2], now, ARGV[2])
  return 1
end
local claimed = redis.call('ZSCORE', KEYS[2], ARGV[2])
if claimed and tonumber(claimed) < now - stale then
  redis.call('ZADD', KEYS[2], now, ARGV[2])
  return 1
end
return 0
