-- An app's occupied channels on the live nodes, with subscriptions and, for presence channels,
-- distinct users.
-- KEYS: nodes. ARGV: now (ms), node key prefix, subscriptions suffix, members stem (a channel's
-- members key is prefix .. node .. stem .. channel), presence channel prefix.
-- Returns {channel, subscriptions, users, ...}.
local subs, order = {}, {}
local nodes = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
for _, n in ipairs(nodes) do
  local all = redis.call('HGETALL', ARGV[2] .. n .. ARGV[3])
  for i = 1, #all, 2 do
    if not subs[all[i]] then subs[all[i]] = 0; order[#order + 1] = all[i] end
    subs[all[i]] = subs[all[i]] + tonumber(all[i + 1])
  end
end
local out = {}
for _, c in ipairs(order) do
  if subs[c] > 0 then
    local users = 0
    if string.sub(c, 1, #ARGV[5]) == ARGV[5] then
      local seen = {}
      for _, n in ipairs(nodes) do
        for _, u in ipairs(redis.call('HKEYS', ARGV[2] .. n .. ARGV[4] .. c)) do
          if not seen[u] then seen[u] = true; users = users + 1 end
        end
      end
    end
    out[#out + 1] = c
    out[#out + 1] = tostring(subs[c])
    out[#out + 1] = tostring(users)
  end
end
return out
