-- A node's channel lost its last local subscriber: drop the count, then say whether no other
-- live node has the channel (1: this node decides "vacated").
-- KEYS: nodes, this node's subscriptions key.
-- ARGV: now (ms), this node, channel, node key prefix, subscriptions suffix.
redis.call('HDEL', KEYS[2], ARGV[3])
for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
  if n ~= ARGV[2] then
    local v = redis.call('HGET', ARGV[4] .. n .. ARGV[5], ARGV[3])
    if v and tonumber(v) > 0 then return 0 end
  end
end
return 1
