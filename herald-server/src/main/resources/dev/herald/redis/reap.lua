-- Removes what gone nodes held in one channel, and says what that means. Runs in the channel's
-- slot; the reaper runs it for each channel a dead node held.
-- KEYS: the channel's occupancy hash (node -> subscriptions), the channel's member nodes set.
-- ARGV: members stem, then the gone nodes: the one reaped, then the others whose lease lapsed and
-- that are not reaped yet.
-- Returns {vacated (1 if the channel is held by no node now, 0 if not), user, user, ...}: the
-- gone nodes' users that no remaining node has in the channel. What an earlier script removed
-- already was decided there (see occupy.lua).
local stem = ARGV[1]
local removed = 0
local users, order = {}, {}
for i = 2, #ARGV do
  local gone = ARGV[i]
  removed = removed + redis.call('HDEL', KEYS[1], gone)
  local key = stem .. gone
  for _, u in ipairs(redis.call('HKEYS', key)) do
    if not users[u] then users[u] = true; order[#order + 1] = u end
  end
  redis.call('DEL', key)
  redis.call('SREM', KEYS[2], gone)
end
local out = {0}
if removed > 0 and redis.call('HLEN', KEYS[1]) == 0 then out[1] = 1 end
local holders = redis.call('SMEMBERS', KEYS[2])
for _, u in ipairs(order) do
  local held = false
  for _, n in ipairs(holders) do
    if redis.call('HEXISTS', stem .. n, u) == 1 then held = true; break end
  end
  if not held then out[#out + 1] = u end
end
return out
