-- put_deployment.lua: record that a service version runs in an environment,
-- replacing the service's other versions there unless keep. Touches only
-- the {%deploy} hash slot.
--
-- KEYS[1] -> <prefix>:{%deploy}:envs               HASH name -> JSON registry.Environment
-- KEYS[2] -> <prefix>:{%deploy}:deployments:<env>  HASH "<service>\0<version>" -> unix ns
-- KEYS[3] -> <prefix>:{%deploy}:deployments-gen:<env>  STRING generation (INCR)
-- --
-- ARGV[1] -> environment name
-- ARGV[2] -> service
-- ARGV[3] -> version
-- ARGV[4] -> deployedAt (unix ns)
-- ARGV[5] -> "1" keep the service's other versions, "0" replace them
--
-- Output: 1 recorded; 0 the environment does not exist (nothing written).
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
if ARGV[5] ~= '1' then
  local prefix = ARGV[2] .. '\0'
  local fields = redis.call('HKEYS', KEYS[2])
  for _, f in ipairs(fields) do
    if string.sub(f, 1, #prefix) == prefix then
      redis.call('HDEL', KEYS[2], f)
    end
  end
end
redis.call('HSET', KEYS[2], ARGV[2] .. '\0' .. ARGV[3], ARGV[4])
redis.call('INCR', KEYS[3])
return 1
