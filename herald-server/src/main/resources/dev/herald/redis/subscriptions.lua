-- A channel's subscriptions summed over the live nodes.
-- KEYS: nodes. ARGV: now (ms), channel, node key prefix, subscriptions suffix.
local sum = 0
for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
  local v = redis.call('HGET', ARGV[3] .. n .. ARGV[4], ARGV[2])
  if v then sum = sum + tonumber(v) end
end
return sum
