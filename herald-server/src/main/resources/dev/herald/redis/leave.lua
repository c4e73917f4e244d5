-- A user's last socket on this node left a presence channel: drop the member, then say whether
-- no other live node has the user there (1: this node decides "member removed").
-- KEYS: nodes, this node's members key.
-- ARGV: now (ms), this node, user id, node key prefix, members suffix.
redis.call('HDEL', KEYS[2], ARGV[3])
for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
  if n ~= ARGV[2] then
    if redis.call('HEXISTS', ARGV[4] .. n .. ARGV[5], ARGV[3]) == 1 then return 0 end
  end
end
return 1
