-- append_audit.lua: give an audit entry the next id and append it to the
-- stream, trimming the oldest entries. Touches only the {%audit} hash slot.
--
-- KEYS[1] -> <prefix>:{%audit}:seq   STRING counter, the last id given
-- KEYS[2] -> <prefix>:{%audit}:log   STREAM, entry id "<audit id>-0", field e
-- --
-- ARGV[1] -> JSON registry.AuditEntry (without its id)
-- ARGV[2] -> retention: MAXLEN ~ this many entries
--
-- Output: the entry's id (ascending, never reused: the counter outlives
-- trimming). Counter and append are one step, so stream ids never go back
-- even when several replicas append at once.
local id = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], id .. '-0', 'e', ARGV[1])
return id
