-- Records one node's figures for one 10-second step of an app, and brings the minute that holds
-- the step up to date: its connections are the most of its 10-second steps, its messages their sum.
-- KEYS: the app's node index, the node's rings (both tagged with the app: one slot).
-- ARGV: node, step start (ms), connections, messages, how long to keep (ms),
--       step (ms), hour slots, minute (ms), day slots.
-- The rings are one hash: field 'h' .. slot for a 10-second step, 'd' .. slot for a minute, each
-- holding 'START:CONNECTIONS:MESSAGES'. A slot whose START is not the step asked for is from an
-- older lap of the ring and reads as nothing, so the rings never hold more than their span.
local step, keep = tonumber(ARGV[2]), tonumber(ARGV[5])
local s, hslots, m, dslots = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local function slot(ring, start, length, slots)
  return ring .. string.format('%d', math.floor(start / length) % slots)
end
local function read(field, start)
  local v = redis.call('HGET', KEYS[2], field)
  if not v then return nil end
  local at, c, n = string.match(v, '^(%d+):(%d+):(%d+)$')
  if at and tonumber(at) == start then return tonumber(c), tonumber(n) end
  return nil
end
redis.call('HSET', KEYS[2], slot('h', step, s, hslots), ARGV[2] .. ':' .. ARGV[3] .. ':' .. ARGV[4])
local minute = step - step % m
local peak, sum = 0, 0
for i = 0, m / s - 1 do
  local c, n = read(slot('h', minute + i * s, s, hslots), minute + i * s)
  if c then
    if c > peak then peak = c end
    sum = sum + n
  end
end
redis.call('HSET', KEYS[2], slot('d', minute, m, dslots), string.format('%d:%d:%d', minute, peak, sum))
redis.call('PEXPIRE', KEYS[2], keep)
local last = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not last or tonumber(last) < step then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) end
-- a node silent for longer than the history is kept has left the index, and its rings expire
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', step - keep))
redis.call('PEXPIRE', KEYS[1], keep)
return 1
