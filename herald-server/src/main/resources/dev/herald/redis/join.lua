-- A user's first socket on this node joined a presence channel: record the member, then say
-- whether no other node has the user there. Runs in the channel's slot: every key it touches is
-- the members stem and a node id (see RedisKeys).
-- KEYS: this node's members hash (user -> user_info), the channel's member nodes set.
-- ARGV: members stem, this node, user id, user_info ('' for none), then the nodes whose lease
-- lapsed and that are not reaped yet.
-- Returns 1 if this node decides "member added"; 2 if only lapsed nodes had the user, so this
-- node decides "member removed" for them, then "member added"; 0 otherwise. The user's entries on
-- lapsed nodes go here and now (see occupy.lua).
local stem, node, user = ARGV[1], ARGV[2], ARGV[3]
local purged = 0
for i = 5, #ARGV do
  local key = stem .. ARGV[i]
  purged = purged + redis.call('HDEL', key, user)
  if redis.call('EXISTS', key) == 0 then redis.call('SREM', KEYS[2], ARGV[i]) end
end
local mine = redis.call('HEXISTS', KEYS[1], user)
redis.call('HSET', KEYS[1], user, ARGV[4])
redis.call('SADD', KEYS[2], node)
if mine == 1 then return 0 end
for _, n in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if n ~= node and redis.call('HEXISTS', stem .. n, user) == 1 then return 0 end
end
if purged > 0 then return 2 end
return 1
