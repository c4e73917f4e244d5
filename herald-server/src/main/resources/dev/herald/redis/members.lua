-- A presence channel's members on the live nodes, each user once.
-- KEYS: nodes. ARGV: now (ms), node key prefix, members suffix.
-- Returns {user, info, user, info, ...}.
local seen, out = {}, {}
for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
  local all = redis.call('HGETALL', ARGV[2] .. n .. ARGV[3])
  for i = 1, #all, 2 do
    if not seen[all[i]] then
      seen[all[i]] = true
      out[#out + 1] = all[i]
      out[#out + 1] = all[i + 1]
    end
  end
end
return out
