-- A node's channel lost its last local subscriber: drop the node's count, then say whether no
-- other node holds the channel (1: this node decides "vacated").
-- KEYS: the channel's occupancy hash (node -> subscriptions).
-- ARGV: this node, then the nodes whose lease lapsed and that are not reaped yet (their fields go
-- too: see occupy.lua).
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
for i = 2, #ARGV do removed = removed + redis.call('HDEL', KEYS[1], ARGV[i]) end
if removed > 0 and redis.call('HLEN', KEYS[1]) == 0 then return 1 end
return 0
