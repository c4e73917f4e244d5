-- A presence channel's members, node by node; the caller keeps the live nodes' and each user once.
-- KEYS: the channel's member nodes set. ARGV: members stem (node N's members are ARGV[1] .. N).
-- Returns {node, {user, info, user, info, ...}, node, {...}, ...}.
local out = {}
for _, n in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  out[#out + 1] = n
  out[#out + 1] = redis.call('HGETALL', ARGV[1] .. n)
end
return out
