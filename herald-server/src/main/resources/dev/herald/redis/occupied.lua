-- Which of the given channels have a subscriber on some live node.
-- KEYS: nodes. ARGV: now (ms), node key prefix, subscriptions suffix, channel, channel, ...
local nodes = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
local out = {}
for i = 4, #ARGV do
  for _, n in ipairs(nodes) do
    local v = redis.call('HGET', ARGV[2] .. n .. ARGV[3], ARGV[i])
    if v and tonumber(v) > 0 then out[#out + 1] = ARGV[i]; break end
  end
end
return out
