-- find_fingerprint.lua: the non-deleted version of a subject that holds a
-- fingerprint, read atomically. Touches only the subject's hash slot; writes nothing.
--
-- KEYS[1] -> <prefix>:{<subject>}:meta      HASH latest, count, live
-- KEYS[2] -> <prefix>:{<subject>}:versions  HASH version -> "<id>:<deleted 0|1>:<fingerprint>"
-- KEYS[3] -> <prefix>:{<subject>}:fp        HASH fingerprint -> version (non-deleted only)
-- --
-- ARGV[1] -> fingerprint
--
-- Output: {code, version, id}
--   {0, version, id} found
--   {1, 0, 0}        the subject has no non-deleted version (40401)
--   {2, 0, 0}        the subject has non-deleted versions, none with this fingerprint (40403)
local v = redis.call('HGET', KEYS[3], ARGV[1])
if v then
  local val = redis.call('HGET', KEYS[2], v)
  local id = val and string.match(val, '^(%d+):0:')
  if id then
    return {0, tonumber(v), tonumber(id)}
  end
end
if tonumber(redis.call('HGET', KEYS[1], 'live') or '0') > 0 then
  return {2, 0, 0}
end
return {1, 0, 0}
