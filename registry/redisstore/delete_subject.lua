-- delete_subject.lua: soft- or hard-delete every version of a subject.
-- Touches only the subject's hash slot.
--
-- KEYS[1] -> <prefix>:{<subject>}:meta      HASH latest, count, live
-- KEYS[2] -> <prefix>:{<subject>}:versions  HASH version -> "<id>:<deleted 0|1>:<fingerprint>"
-- KEYS[3] -> <prefix>:{<subject>}:fp        HASH fingerprint -> version (non-deleted only)
-- KEYS[4] -> <prefix>:{<subject>}:config    HASH the subject's config (removed by a hard delete)
-- KEYS[5] -> <prefix>:{<subject>}:mode      STRING the subject's write mode (removed by a hard delete)
-- --
-- ARGV[1] -> "1": hard delete (every version must be soft-deleted), "0": soft delete
--
-- Output: {code, version...}
--   {0, v1, v2, ...} done; the versions affected, in no particular order
--   {1}              the subject has no versions (40401)
--   {2}              soft delete, but every version is already soft-deleted (40404)
--   {3}              hard delete, but some version is not soft-deleted (40405)
-- meta.latest is kept: version numbers are not reused.
local all = redis.call('HGETALL', KEYS[2])
if #all == 0 then
  return {1}
end
local out = {0}
if ARGV[1] == '1' then
  for i = 1, #all, 2 do
    if string.match(all[i + 1], '^%d+:0:') then
      return {3}
    end
    out[#out + 1] = tonumber(all[i])
  end
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  redis.call('HSET', KEYS[1], 'count', 0, 'live', 0)
  return out
end
for i = 1, #all, 2 do
  local id, fp = string.match(all[i + 1], '^(%d+):0:(.*)$')
  if id then
    redis.call('HSET', KEYS[2], all[i], id .. ':1:' .. fp)
    out[#out + 1] = tonumber(all[i])
  end
end
if #out == 1 then
  return {2}
end
redis.call('HSET', KEYS[1], 'live', 0)
redis.call('DEL', KEYS[3])
return out
