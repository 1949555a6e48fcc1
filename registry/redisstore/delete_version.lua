-- delete_version.lua: soft- or hard-delete one version of a subject.
-- Touches only the subject's hash slot.
--
-- KEYS[1] -> <prefix>:{<subject>}:meta      HASH latest, count, live
-- KEYS[2] -> <prefix>:{<subject>}:versions  HASH version -> "<id>:<deleted 0|1>:<fingerprint>"
-- KEYS[3] -> <prefix>:{<subject>}:fp        HASH fingerprint -> version (non-deleted only)
-- --
-- ARGV[1] -> version number (decimal)
-- ARGV[2] -> "1": hard delete (the version must be soft-deleted), "0": soft delete
--
-- Output:
--   0 done
--   1 the subject has no versions (40401)
--   2 no such version (40402)
--   3 soft delete of a version that is already soft-deleted (40406)
--   4 hard delete of a version that is not soft-deleted (40407)
-- meta.latest is never lowered: version numbers are not reused.
if redis.call('HLEN', KEYS[2]) == 0 then
  return 1
end
local val = redis.call('HGET', KEYS[2], ARGV[1])
if not val then
  return 2
end
local id, del, fp = string.match(val, '^(%d+):([01]):(.*)$')
if ARGV[2] == '1' then
  if del ~= '1' then
    return 4
  end
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'count', -1)
  return 0
end
if del == '1' then
  return 3
end
redis.call('HSET', KEYS[2], ARGV[1], id .. ':1:' .. fp)
redis.call('HINCRBY', KEYS[1], 'live', -1)
if redis.call('HGET', KEYS[3], fp) == ARGV[1] then
  redis.call('HDEL', KEYS[3], fp)
end
return 0
