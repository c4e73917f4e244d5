-- A user's first socket on this node joined a presence channel: record the member, then say
-- whether no other live node has the user there (1: this node decides "member added").
-- KEYS: nodes, this node's members key, this node's key set.
-- ARGV: now (ms), this node, user id, user_info ('' for none), node key prefix, members suffix.
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('SADD', KEYS[3], KEYS[2])
for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
  if n ~= ARGV[2] then
    if redis.call('HEXISTS', ARGV[5] .. n .. ARGV[6], ARGV[3]) == 1 then return 0 end
  end
end
return 1
