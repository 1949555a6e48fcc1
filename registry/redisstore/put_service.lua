-- put_service.lua: replace (or delete) a service's record and its relation
-- index entries in one step. Touches only the {%services} hash slot.
--
-- KEYS[1] -> <prefix>:{%services}:records     HASH name -> JSON registry.Service
-- KEYS[2] -> <prefix>:{%services}:by-subject  ZSET "<subject>\0<name>\0<kind>", score 0
-- KEYS[3] -> <prefix>:{%services}:relations   HASH same member -> JSON Relation
-- --
-- ARGV[1] -> service name
-- ARGV[2] -> JSON registry.Service ("" deletes the service)
-- ARGV[3], ARGV[4], ... -> pairs: index member, JSON relation (new record)
--
-- Output: 1 the service existed before, 0 it did not (a delete then
-- changed nothing).
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local rec = cjson.decode(old)
  if type(rec.relations) == 'table' then
    for _, r in ipairs(rec.relations) do
      local member = r.subject .. '\0' .. ARGV[1] .. '\0' .. r.kind
      redis.call('ZREM', KEYS[2], member)
      redis.call('HDEL', KEYS[3], member)
    end
  end
end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  for i = 3, #ARGV - 1, 2 do
    redis.call('ZADD', KEYS[2], 0, ARGV[i])
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  end
end
if old then
  return 1
end
return 0
