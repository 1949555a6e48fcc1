-- put_service_version.lua: store a service version unless one is stored
-- (then return it), or overwrite it and count the rewrite. Touches only the
-- {%deploy} hash slot.
--
-- KEYS[1] -> <prefix>:{%deploy}:versions:<service>  HASH version -> JSON registry.ServiceVersion
-- KEYS[2] -> <prefix>:{%deploy}:rewrites            STRING counter
-- --
-- ARGV[1] -> version
-- ARGV[2] -> JSON registry.ServiceVersion
-- ARGV[3] -> "1" overwrite an existing one, "0" keep it
--
-- Output: {1, ARGV[2]} stored; {0, existing JSON} kept the existing one.
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old and ARGV[3] ~= '1' then
  return {0, old}
end
if old then
  redis.call('INCR', KEYS[2])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, ARGV[2]}
