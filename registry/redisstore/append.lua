-- append.lua: register a schema as the next version of one subject, iff the
-- subject's highest version number is still the one the caller checked
-- against. Touches only the subject's hash slot.
--
-- KEYS[1] -> <prefix>:{<subject>}:meta      HASH latest, count, live
-- KEYS[2] -> <prefix>:{<subject>}:versions  HASH version -> "<id>:<deleted 0|1>:<fingerprint>"
-- KEYS[3] -> <prefix>:{<subject>}:fp        HASH fingerprint -> version (non-deleted only)
-- --
-- ARGV[1] -> expected highest version number (0: the subject never had one)
-- ARGV[2] -> global schema id to store, or "0" when none is allocated yet
-- ARGV[3] -> schema fingerprint
--
-- Output: {code, n, id}
--   {1, version, id} a non-deleted version already holds the fingerprint; nothing written
--   {2, version, id} appended as version = expected+1
--   {3, latest, 0}   the subject moved on (latest ~= expected); nothing written
--   {4, 0, 0}        it would append but ARGV[2] is "0": allocate an id, call again
-- The fingerprint check comes first, so re-running an append that already
-- succeeded (a retry after a lost reply) answers {1, ...} instead of writing twice.
local have = redis.call('HGET', KEYS[3], ARGV[3])
if have then
  local val = redis.call('HGET', KEYS[2], have)
  local id = val and string.match(val, '^(%d+):0:')
  if id then
    return {1, tonumber(have), tonumber(id)}
  end
end
local latest = tonumber(redis.call('HGET', KEYS[1], 'latest') or '0')
if latest ~= tonumber(ARGV[1]) then
  return {3, latest, 0}
end
if ARGV[2] == '0' then
  return {4, 0, 0}
end
local v = latest + 1
redis.call('HSET', KEYS[1], 'latest', v)
redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HINCRBY', KEYS[1], 'live', 1)
redis.call('HSET', KEYS[2], v, ARGV[2] .. ':0:' .. ARGV[3])
redis.call('HSET', KEYS[3], ARGV[3], v)
return {2, v, tonumber(ARGV[2])}
