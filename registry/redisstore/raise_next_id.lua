-- raise_next_id.lua: make the global id counter at least an imported id,
-- so that INCR never hands that id out again. One key, so Cluster-safe.
--
-- KEYS[1] -> <prefix>:next-id  STRING the last schema id allocated
-- --
-- ARGV[1] -> the imported id (decimal)
--
-- Output: the counter after the call.
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local id = tonumber(ARGV[1])
if cur < id then
  redis.call('SET', KEYS[1], ARGV[1])
  return id
end
return cur
