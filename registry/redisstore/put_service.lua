-- put_service.lua: replace (or delete) a service's record and its relation
-- index entries in one step. Touches only the {%services} hash slot.
--
-- KEYS[1] -> <prefix>:{%services}:records     HASH name -> JSON registry.Service
-- KEYS[2] -> <prefix>:{%services}:by-subject  ZSET "<subject>\0<name>\0<kind>", score 0
-- KEYS[3] -> <prefix>:{%services}:relations   HASH same member -> JSON Relation
-- --
-- ARGV[1] -> service name
-- ARGV[2] -> JSON registry.Service ("" deletes the service)
-- ARGV[3] -> "" (unrestricted writer), or JSON {"writer": [services the
--            writer's token writes for], "claims": [subjects the service owns]}
-- ARGV[4], ARGV[5], ... -> pairs: index member, JSON relation (new record)
--
-- Output: 1 the service existed before, 0 it did not (a delete then
-- changed nothing); or, when a claimed subject is owned only by services
-- the writer does not write for, the JSON {"subject": ..., "owners": [...]}
-- and nothing is written (the claim rule of registry.Store.PutService,
-- checked here so no other claim lands between the check and the write).
if ARGV[3] and ARGV[3] ~= '' then
  local claim = cjson.decode(ARGV[3])
  local writer = {}
  for _, w in ipairs(claim.writer) do
    writer[w] = true
  end
  for _, subject in ipairs(claim.claims) do
    local prefix = subject .. '\0'
    local owners, mine = {}, false
    for _, m in ipairs(redis.call('ZRANGEBYLEX', KEYS[2], '[' .. prefix, '(' .. subject .. '\1')) do
      local service, kind = string.match(string.sub(m, #prefix + 1), '^([^%z]*)%z([^%z]*)$')
      if service and (kind == 'produces' or kind == 'handles') then
        owners[#owners + 1] = service
        mine = mine or writer[service] == true
      end
    end
    if #owners > 0 and not mine then
      return cjson.encode({subject = subject, owners = owners})
    end
  end
end
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
  for i = 4, #ARGV - 1, 2 do
    redis.call('ZADD', KEYS[2], 0, ARGV[i])
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  end
end
if old then
  return 1
end
return 0
