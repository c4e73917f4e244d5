-- A node's channel gained its first local subscriber: record the count, then say whether the
-- channel was empty on every other live node (1: this node decides "occupied").
-- KEYS: nodes, this node's subscriptions key, this node's key set.
-- ARGV: now (ms), this node, channel, count, node key prefix, subscriptions suffix.
-- Another node's subscriptions key is ARGV[5] .. node .. ARGV[6] (see RedisKeys).
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('SADD', KEYS[3], KEYS[2])
for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
  if n ~= ARGV[2] then
    local v = redis.call('HGET', ARGV[5] .. n .. ARGV[6], ARGV[3])
    if v and tonumber(v) > 0 then return 0 end
  end
end
return 1
