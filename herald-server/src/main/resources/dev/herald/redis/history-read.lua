-- Reads a channel's history after a position; starts the channel's epoch if it has none, so a
-- fresh reader has a position to come back with.
-- KEYS: the channel's meta, its stream.
-- ARGV: an epoch to start if the channel has none, size, ttl (ms), how long the meta outlives the
--       last event (ms), the position's epoch ('' for every event kept), its serial, limit.
-- Returns {epoch, head, gap ('' for none, 'EPOCH', 'AHEAD' or 'TRIMMED'), more (0 or 1),
--          serial, frame, excluded socket id, serial, frame, ...}, at most `limit` events.
local size, ttl, limit = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[7])
local epoch, head = meta(KEYS[1], KEYS[2], ARGV[1], ARGV[4])
trim(KEYS[2], size, ttl, now_ms())
local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
local first = head + 1
if oldest then first = serial(oldest[1]) end
local after = first - 1
if ARGV[5] ~= '' then
  -- a serial past 2^53 loses digits here, but is then far past any head: still AHEAD
  local since = tonumber(ARGV[6])
  if ARGV[5] ~= epoch then return {epoch, head, 'EPOCH', 0} end
  if since > head then return {epoch, head, 'AHEAD', 0} end
  if since + 1 < first then return {epoch, head, 'TRIMMED', 0} end
  after = since
end
local out = {epoch, head, '', 0}
local entries = redis.call('XRANGE', KEYS[2], id(after + 1), '+', 'COUNT', limit + 1)
for i, entry in ipairs(entries) do
  if i > limit then
    out[4] = 1
    break
  end
  local frame, exclude = '', ''
  local fields = entry[2]
  for j = 1, #fields - 1, 2 do
    if fields[j] == 'f' then frame = fields[j + 1] elseif fields[j] == 'x' then exclude = fields[j + 1] end
  end
  out[#out + 1] = serial(entry[1])
  out[#out + 1] = frame
  out[#out + 1] = exclude
end
return out
