-- What a channel's history keeps; put before history-record.lua and history-read.lua.
-- The meta hash holds the epoch (e) and the last serial given (n). A stream entry's id is
-- SERIAL-0 and its fields are f (the frame), t (when it was recorded, ms on Redis's clock) and
-- x (the excluded socket id, '' for none). Serials have no holes and only the front is trimmed,
-- so the stream holds every serial from its first entry's to its last's.

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function serial(id)
  return tonumber(string.match(id, '^(%d+)-'))
end

local function id(serial)
  return string.format('%d-0', serial)
end

local function recorded_at(entry)
  local fields = entry[2]
  for i = 1, #fields - 1, 2 do
    if fields[i] == 't' then return tonumber(fields[i + 1]) end
  end
  return 0
end

-- The channel's epoch and last serial; a new epoch (and no stream) when the meta is missing,
-- whether it expired after a quiet day or Redis lost it.
local function meta(key, stream, new_epoch, keep)
  local m = redis.call('HMGET', key, 'e', 'n')
  local epoch, head = m[1], tonumber(m[2])
  if epoch and head then return epoch, head end
  redis.call('DEL', stream)
  redis.call('HSET', key, 'e', new_epoch, 'n', 0)
  redis.call('PEXPIRE', key, keep)
  return new_epoch, 0
end

-- Drops from the stream's front what the rule no longer keeps: the entries past `size` and those
-- recorded `ttl` ms or more before `now`. Entries are recorded in order, so the aged ones are a
-- prefix, found by bisection: a few commands however many aged out since the last call.
local function trim(stream, size, ttl, now)
  redis.call('XTRIM', stream, 'MAXLEN', size)
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  if not first or now - recorded_at(first) < ttl then return end
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
  if now - recorded_at(last) >= ttl then
    redis.call('DEL', stream)
    return
  end
  local aged, kept = serial(first[1]), serial(last[1])
  while kept - aged > 1 do
    local mid = math.floor((aged + kept) / 2)
    local entry = redis.call('XRANGE', stream, id(mid), '+', 'COUNT', 1)[1]
    if now - recorded_at(entry) >= ttl then aged = mid else kept = mid end
  end
  redis.call('XTRIM', stream, 'MINID', id(kept))
end
