-- A user's last socket on this node left a presence channel: drop the member, then say whether no
-- other node has the user there (1: this node decides "member removed").
-- KEYS: this node's members hash (user -> user_info), the channel's member nodes set.
-- ARGV: members stem, this node, user id, then the nodes whose lease lapsed and that are not
-- reaped yet (their entries for the user go too: see occupy.lua).
local stem, node, user = ARGV[1], ARGV[2], ARGV[3]
local removed = redis.call('HDEL', KEYS[1], user)
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], node) end
for i = 4, #ARGV do
  local key = stem .. ARGV[i]
  removed = removed + redis.call('HDEL', key, user)
  if redis.call('EXISTS', key) == 0 then redis.call('SREM', KEYS[2], ARGV[i]) end
end
if removed == 0 then return 0 end
for _, n in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HEXISTS', stem .. n, user) == 1 then return 0 end
end
return 1
