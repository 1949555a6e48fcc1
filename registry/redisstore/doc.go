// Package redisstore is the distributed registry.Store: any number of
// stateless `baton serve` replicas share one Redis deployment (standalone,
// Sentinel or Cluster) through go-redis's UniversalClient.
//
// # Addresses
//
//	redis://[[user]:password@]host[:port][/db][?option=value&...]
//	rediss://...                                       the same over TLS
//	redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/master[/db][?...]
//	rediss+sentinel://...                              TLS to sentinels and servers
//	redis+cluster://[[user]:password@]host[:port][,host[:port]...][?...]
//	rediss+cluster://...
//
// Default ports are 6379, and 26379 for sentinels. The user and password
// authenticate to the Redis servers; sentinels take sentinel_username and
// sentinel_password options. Examples:
//
//	redis://127.0.0.1:6379/0
//	rediss://:secret@redis.internal:6380/2?skip_verify=false
//	redis+sentinel://s1:26379,s2:26379,s3:26379/mymaster/0
//	redis+cluster://n1:7000,n2:7001,n3:7002
//
// Options: dial_timeout, read_timeout, write_timeout, pool_timeout
// (durations such as 300ms, or plain seconds), max_retries, pool_size,
// client_name, sentinel_username, sentinel_password, skip_verify (rediss only).
// Unknown options are an error. The defaults fail fast: when Redis is down or
// hung a call returns a registry.KindUnavailable error (HTTP 503, error_code
// 50001) within about a second; go-redis reconnects by itself when Redis is
// back, so the store recovers without being reopened.
//
// # Data model and atomicity
//
// keys.go is the only place that formats keys and explains which keys are
// global (cross-slot) and why they stay correct on Cluster. Each multi-key
// change of a subject is one Lua script (append.lua, delete_version.lua,
// delete_subject.lua) touching only that subject's hash slot;
// find_fingerprint.lua is the one read that needs a script to be atomic.
// ReadSubject, the read of a publish attempt, is one pipeline: the latest
// version number, then the versions, then the configs; Redis runs them in
// order, so a version appended meanwhile makes the publish's Append stale
// rather than unchecked. Each
// script's header documents its KEYS, ARGV and integer return codes.
// Services (registry.Service records and the relation index by subject)
// live under their own hash tag {%services}; put_service.lua replaces or
// deletes a record and its index entries in one step.
//
// Append, the compare-and-set that makes publishing atomic with the
// compatibility check, runs in this order:
//
//  1. look up the global id of the fingerprint (GET fp:<fingerprint>); if
//     there is one, add the hint sets (subject index, the id's users, the
//     referenced versions' referrers);
//  2. run append.lua: an identical non-deleted version is returned
//     (existing), a subject that moved on is ErrStale (nothing allocated),
//     and with a known id the version is written;
//  3. only for a schema never seen before: INCR next-id, write the immutable
//     body schema:<id>, SET NX fp:<fingerprint> (the loser of a race adopts
//     the winner's id), add the hint sets, and run append.lua again, which
//     may still answer ErrStale (the id is then registered but unused).
//
// A crash between any two steps leaves at worst an unused id (a gap), an
// orphan body that SchemaByID ignores, or an extra hint; a version becomes
// visible only in the script's single atomic write, after everything it
// points at exists.
//
// # Durability
//
// Append returns nil once Redis has acknowledged the script. Whether that
// write survives a Redis crash is Redis's persistence setting: with
// appendonly yes and appendfsync always, Redis fsyncs the AOF before it
// replies, so every acknowledged write survives kill -9 or power loss; with
// appendfsync everysec up to about a second of acknowledged writes can be
// lost; with appendfsync no, or RDB snapshots only, everything since the last
// flush or snapshot can be lost; with no persistence, a restart loses the
// registry. Replication is asynchronous: a failover can lose writes the old
// primary acknowledged but had not yet replicated.
package redisstore
