-- One app's figures over a span, node by node, in one round trip.
-- KEYS: the app's node index.
-- ARGV: rings key prefix (node N's rings are ARGV[1] .. N, in the index's slot), ring ('h' or
--       'd'), first step start (ms), step (ms), steps, ring slots.
-- Returns {node, {connections...}, {messages...}, ...}, one entry per node whose rings are there;
-- a step the node did not record (or a slot from an older lap of the ring) is 0.
local first, step, steps, slots = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local fields = {}
for i = 1, steps do
  local start = first + (i - 1) * step
  fields[i] = ARGV[2] .. string.format('%d', math.floor(start / step) % slots)
end
local out = {}
for _, node in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. node
  if redis.call('EXISTS', key) == 1 then
    local values = redis.call('HMGET', key, unpack(fields))
    local connections, messages = {}, {}
    for i = 1, steps do
      connections[i], messages[i] = 0, 0
      local v = values[i]
      if v then
        local at, c, n = string.match(v, '^(%d+):(%d+):(%d+)$')
        if at and tonumber(at) == first + (i - 1) * step then
          connections[i], messages[i] = tonumber(c), tonumber(n)
        end
      end
    end
    out[#out + 1] = node
    out[#out + 1] = connections
    out[#out + 1] = messages
  end
end
return out
