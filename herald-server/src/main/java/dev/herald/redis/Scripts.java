package dev.herald.redis;

/**
 * The Lua scripts behind cluster decisions and answers. Each runs atomically in Redis, which is
 * what makes "first socket anywhere" and "last socket anywhere" exact when nodes race.
 *
 * <p>Layout, per node N: {@code herald:n:N:s:APP} (hash channel → local subscriptions),
 * {@code herald:n:N:p:APP|CHANNEL} (hash user id → user_info), {@code herald:n:N:c} (hash app →
 * connections), {@code herald:n:N:keys} (set of the node's keys, for reaping). Live nodes are the
 * members of {@code herald:nodes} whose score (lease expiry, ms) is in the future.
 */
final class Scripts {

    private Scripts() {
    }

    /** KEYS: nodes, selfS, selfKeys. ARGV: now, self, channel, count, app. Returns 1 if first anywhere. */
    static final String OCCUPY = """
            redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
            redis.call('SADD', KEYS[3], KEYS[2])
            for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
              if n ~= ARGV[2] then
                local v = redis.call('HGET', 'herald:n:' .. n .. ':s:' .. ARGV[5], ARGV[3])
                if v and tonumber(v) > 0 then return 0 end
              end
            end
            return 1
            """;

    /** KEYS: nodes, selfS. ARGV: now, self, channel, app. Returns 1 if it was the last anywhere. */
    static final String VACATE = """
            redis.call('HDEL', KEYS[2], ARGV[3])
            for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
              if n ~= ARGV[2] then
                local v = redis.call('HGET', 'herald:n:' .. n .. ':s:' .. ARGV[4], ARGV[3])
                if v and tonumber(v) > 0 then return 0 end
              end
            end
            return 1
            """;

    /** KEYS: nodes, selfP, selfKeys. ARGV: now, self, user, info, app|channel. Returns 1 if first anywhere. */
    static final String JOIN = """
            redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
            redis.call('SADD', KEYS[3], KEYS[2])
            for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
              if n ~= ARGV[2] then
                if redis.call('HEXISTS', 'herald:n:' .. n .. ':p:' .. ARGV[5], ARGV[3]) == 1 then return 0 end
              end
            end
            return 1
            """;

    /** KEYS: nodes, selfP. ARGV: now, self, user, app|channel. Returns 1 if it was the last anywhere. */
    static final String LEAVE = """
            redis.call('HDEL', KEYS[2], ARGV[3])
            for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
              if n ~= ARGV[2] then
                if redis.call('HEXISTS', 'herald:n:' .. n .. ':p:' .. ARGV[4], ARGV[3]) == 1 then return 0 end
              end
            end
            return 1
            """;

    /** KEYS: nodes. ARGV: now, app, channel. Returns the subscription count on live nodes. */
    static final String SUBSCRIPTIONS = """
            local sum = 0
            for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
              local v = redis.call('HGET', 'herald:n:' .. n .. ':s:' .. ARGV[2], ARGV[3])
              if v then sum = sum + tonumber(v) end
            end
            return sum
            """;

    /** KEYS: nodes. ARGV: now, app|channel. Returns [user, info, user, info, ...], one per user. */
    static final String MEMBERS = """
            local seen, out = {}, {}
            for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
              local all = redis.call('HGETALL', 'herald:n:' .. n .. ':p:' .. ARGV[2])
              for i = 1, #all, 2 do
                if not seen[all[i]] then
                  seen[all[i]] = true
                  out[#out + 1] = all[i]
                  out[#out + 1] = all[i + 1]
                end
              end
            end
            return out
            """;

    /** KEYS: nodes. ARGV: now, app. Returns [channel, subscriptions, users, ...] for occupied channels. */
    static final String CHANNELS = """
            local subs, order = {}, {}
            local nodes = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
            for _, n in ipairs(nodes) do
              local all = redis.call('HGETALL', 'herald:n:' .. n .. ':s:' .. ARGV[2])
              for i = 1, #all, 2 do
                if not subs[all[i]] then subs[all[i]] = 0; order[#order + 1] = all[i] end
                subs[all[i]] = subs[all[i]] + tonumber(all[i + 1])
              end
            end
            local out = {}
            for _, c in ipairs(order) do
              if subs[c] > 0 then
                local users = 0
                if string.sub(c, 1, 9) == 'presence-' then
                  local seen = {}
                  for _, n in ipairs(nodes) do
                    for _, u in ipairs(redis.call('HKEYS', 'herald:n:' .. n .. ':p:' .. ARGV[2] .. '|' .. c)) do
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
            """;

    /** KEYS: nodes. ARGV: now, app, channel... Returns the channels occupied on some live node. */
    static final String OCCUPIED = """
            local nodes = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
            local out = {}
            for i = 3, #ARGV do
              for _, n in ipairs(nodes) do
                local v = redis.call('HGET', 'herald:n:' .. n .. ':s:' .. ARGV[2], ARGV[i])
                if v and tonumber(v) > 0 then out[#out + 1] = ARGV[i]; break end
              end
            end
            return out
            """;

    /** KEYS: nodes. ARGV: now, self. Returns [app, connections, ...] summed over the other live nodes. */
    static final String REMOTE_CONNECTIONS = """
            local sums, order = {}, {}
            for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
              if n ~= ARGV[2] then
                local all = redis.call('HGETALL', 'herald:n:' .. n .. ':c')
                for i = 1, #all, 2 do
                  if not sums[all[i]] then sums[all[i]] = 0; order[#order + 1] = all[i] end
                  sums[all[i]] = sums[all[i]] + tonumber(all[i + 1])
                end
              end
            end
            local out = {}
            for _, a in ipairs(order) do out[#out + 1] = a; out[#out + 1] = tostring(sums[a]) end
            return out
            """;
}
