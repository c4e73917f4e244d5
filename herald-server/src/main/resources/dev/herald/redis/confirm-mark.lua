-- The debounce is over: delete the removal mark and return 1 if it is still this node's.
-- KEYS: the mark. ARGV: this node.
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
