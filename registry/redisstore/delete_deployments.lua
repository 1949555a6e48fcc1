-- delete_deployments.lua: record that a service (at one version, or every
-- version) no longer runs in an environment. Touches only the {%deploy}
-- hash slot.
--
-- KEYS[1] -> <prefix>:{%deploy}:envs               HASH name -> JSON registry.Environment
-- KEYS[2] -> <prefix>:{%deploy}:deployments:<env>  HASH "<service>\0<version>" -> unix ns
-- KEYS[3] -> <prefix>:{%deploy}:deployments-gen:<env>  STRING generation (INCR when something is removed)
-- --
-- ARGV[1] -> environment name
-- ARGV[2] -> service
-- ARGV[3] -> version ("" = every version)
--
-- Output: false when the environment does not exist; else the removed
-- entries as a flat list field, value, field, value, ... (empty: none).
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return false
end
local prefix = ARGV[2] .. '\0'
local out = {}
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all - 1, 2 do
  local f = all[i]
  if string.sub(f, 1, #prefix) == prefix and (ARGV[3] == '' or f == prefix .. ARGV[3]) then
    redis.call('HDEL', KEYS[2], f)
    table.insert(out, f)
    table.insert(out, all[i + 1])
  end
end
if #out > 0 then
  redis.call('INCR', KEYS[3])
end
return out
