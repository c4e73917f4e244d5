-- Advertises which apps this node's viewers watch, and answers which every node watches.
-- KEYS: watching. ARGV: how long the interest lasts unrenewed (ms), this node's member suffix,
-- then this node's members, one per app it watches (none: it watches nothing now).
-- A member is APP .. suffix, split at its first '|' (see RedisKeys); its score is when it lapses,
-- on Redis's clock, so the nodes' clocks need not agree. The key lives as long as its last member.
-- Returns every member still live.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local mine = {}
for i = 3, #ARGV do mine[ARGV[i]] = true end
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local bar = string.find(m, '|', 1, true)
  if bar and string.sub(m, bar) == ARGV[2] and not mine[m] then redis.call('ZREM', KEYS[1], m) end
end
local lapse = string.format('%d', now + tonumber(ARGV[1]))
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], lapse, ARGV[i]) end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], string.format('%d', tonumber(last[2]))) end
return redis.call('ZRANGE', KEYS[1], 0, -1)
