-- import_version.lua: store an imported version of one subject under the
-- version number and schema id it was given (IMPORT mode). Touches only the
-- subject's hash slot. The schema body, the id counter and the hints are
-- written before (see Store.Import), so the version points at what exists.
--
-- KEYS[1] -> <prefix>:{<subject>}:meta      HASH latest, count, live
-- KEYS[2] -> <prefix>:{<subject>}:versions  HASH version -> "<id>:<deleted 0|1>:<fingerprint>"
-- KEYS[3] -> <prefix>:{<subject>}:fp        HASH fingerprint -> version (non-deleted only)
-- --
-- ARGV[1] -> version number (decimal, >= 1)
-- ARGV[2] -> schema id (decimal)
-- ARGV[3] -> schema fingerprint
--
-- Output: {code, id}
--   {0, id}    stored; latest is raised to the version if it was lower
--   {1, id}    the version exists and holds this id already; nothing written
--   {2, other} the version exists and holds another id; nothing written
local val = redis.call('HGET', KEYS[2], ARGV[1])
if val then
  local have = string.match(val, '^(%d+):')
  if have == ARGV[2] then
    return {1, tonumber(have)}
  end
  return {2, tonumber(have)}
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ':0:' .. ARGV[3])
local latest = tonumber(redis.call('HGET', KEYS[1], 'latest') or '0')
if tonumber(ARGV[1]) > latest then
  redis.call('HSET', KEYS[1], 'latest', ARGV[1])
end
redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HINCRBY', KEYS[1], 'live', 1)
redis.call('HSETNX', KEYS[3], ARGV[3], ARGV[1])
return {0, tonumber(ARGV[2])}
