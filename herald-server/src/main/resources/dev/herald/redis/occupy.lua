-- A node's channel gained its first local subscriber: record the node's count, then say whether
-- no other node holds the channel. Runs in the channel's slot, on its occupancy hash alone.
-- KEYS: the channel's occupancy hash (node -> subscriptions).
-- ARGV: this node, its count, then the nodes whose lease lapsed and that are not reaped yet.
-- Returns 1 if this node decides "occupied"; 2 if only lapsed nodes held the channel, so this node
-- decides "vacated" for them, then "occupied"; 0 otherwise.
-- Whoever removes a lapsed node's field decides what that means, here or in reap.lua, so no
-- decision is made twice.
local purged = 0
for i = 3, #ARGV do purged = purged + redis.call('HDEL', KEYS[1], ARGV[i]) end
local mine = redis.call('HEXISTS', KEYS[1], ARGV[1])
local others = redis.call('HLEN', KEYS[1]) - mine
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if mine == 1 or others > 0 then return 0 end
if purged > 0 then return 2 end
return 1
