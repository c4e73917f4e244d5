-- Connections per app summed over the live nodes other than this one.
-- KEYS: nodes. ARGV: now (ms), this node, node key prefix, connections suffix.
-- Returns {app, connections, ...}.
local sums, order = {}, {}
for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
  if n ~= ARGV[2] then
    local all = redis.call('HGETALL', ARGV[3] .. n .. ARGV[4])
    for i = 1, #all, 2 do
      if not sums[all[i]] then sums[all[i]] = 0; order[#order + 1] = all[i] end
      sums[all[i]] = sums[all[i]] + tonumber(all[i + 1])
    end
  end
end
local out = {}
for _, a in ipairs(order) do out[#out + 1] = a; out[#out + 1] = tostring(sums[a]) end
return out
