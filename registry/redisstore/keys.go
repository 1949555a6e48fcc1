package redisstore

// This file is the only place that formats Redis keys. Keys are a stored
// format: keys_test.go pins every string, so a change here is a migration.
//
// Subject keys share the hash tag {<escaped subject>}, so all of a subject's
// keys live in one Cluster slot and every multi-key change of a subject is one
// Lua script (see *.lua). The subject is escaped (% { } become %25 %7B %7D),
// so a brace inside a subject name cannot end or move the hash tag and two
// different subjects never share a key.
//
// Global keys are the cross-slot parts. No script touches them together with
// subject keys; they stay correct on Cluster because each one is written with
// a single-key command, in an order that never lets a visible version point at
// something missing:
//
//   - next-id (STRING counter): a schema id is allocated with INCR before the
//     subject's append script runs; an import raises it to the imported id
//     (raise_next_id.lua) before writing anything else, so no allocation
//     that starts later can hand that id out. An id whose append then loses a race (or
//     whose caller crashes) is only a gap: ids are never reused, never
//     required to be contiguous.
//   - schema:<id> (STRING, JSON body): written once, before the fingerprint
//     index can point at the id, and never changed, so any version that names
//     the id finds its body. A body that no fingerprint entry points back to
//     (its writer crashed or lost the set-if-absent race) is treated as
//     unknown by SchemaByID.
//   - fp:<fingerprint> (STRING id): the global fingerprint -> id index is a
//     set-if-absent (SET NX). Two writers registering the same new schema at
//     once both allocate an id; exactly one wins the index and both use the
//     winner's id, so one schema text has one id everywhere.
//   - subjects (SET), id:<id>:subjects (SET) and {<subject>}:refby:<version>
//     (SET, in the referenced subject's slot but written by other subjects)
//     are hints: added before the version that needs them becomes visible,
//     never removed, and always checked against the subjects' own keys when
//     read. An entry left by a failed or stale append is filtered out.
//   - config (HASH) and mode (STRING): the global config and write mode,
//     single keys.

import (
	"strconv"
	"strings"
)

// keys builds every key of one store. prefix never contains braces (Open
// checks), so the only hash tag of a key is the subject's.
type keys struct {
	prefix string
}

// escapeSubject makes a subject safe inside a hash tag; the mapping is
// injective because '%' itself is escaped.
var subjectEscaper = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")

func escapeSubject(s string) string { return subjectEscaper.Replace(s) }

// subjectPrefix is "<prefix>:{<escaped subject>}:".
func (k keys) subjectPrefix(subject string) string {
	return k.prefix + ":{" + escapeSubject(subject) + "}:"
}

// meta -> HASH: latest (the highest version number the subject ever used,
// kept through every delete), count (versions that exist, soft-deleted ones
// included) and live (versions not soft-deleted).
func (k keys) meta(subject string) string { return k.subjectPrefix(subject) + "meta" }

// versions -> HASH: version -> "<schema id>:<deleted 0|1>:<fingerprint>" for
// every version that exists (hard-deleted ones are removed). One field holds
// a version's whole state, so one HGETALL is a consistent snapshot.
func (k keys) versions(subject string) string { return k.subjectPrefix(subject) + "versions" }

// fingerprints -> HASH: fingerprint -> version, non-deleted versions only.
func (k keys) fingerprints(subject string) string { return k.subjectPrefix(subject) + "fp" }

// config -> HASH: mode, policy of the subject ("" subject: the global config).
func (k keys) config(subject string) string {
	if subject == "" {
		return k.prefix + ":config"
	}
	return k.subjectPrefix(subject) + "config"
}

// mode -> STRING: the write mode of the subject ("" subject: the global
// mode, a single key).
func (k keys) mode(subject string) string {
	if subject == "" {
		return k.prefix + ":mode"
	}
	return k.subjectPrefix(subject) + "mode"
}

// referencedBy -> SET (hint): ids of schemas whose references name
// subject/version. Lives in the referenced subject's slot.
func (k keys) referencedBy(subject string, version int) string {
	return k.subjectPrefix(subject) + "refby:" + strconv.Itoa(version)
}

// nextID -> STRING: the global schema id counter (INCR).
func (k keys) nextID() string { return k.prefix + ":next-id" }

// subjects -> SET (hint): every subject that may have versions.
func (k keys) subjects() string { return k.prefix + ":subjects" }

// schema -> STRING: the JSON body of schema id (immutable).
func (k keys) schema(id int64) string { return k.prefix + ":schema:" + strconv.FormatInt(id, 10) }

// fingerprint -> STRING: the global id of the schema with this fingerprint.
func (k keys) fingerprint(fp string) string { return k.prefix + ":fp:" + escapeSubject(fp) }

// idSubjects -> SET (hint): subjects that may have a version using schema id.
func (k keys) idSubjects(id int64) string {
	return k.prefix + ":id:" + strconv.FormatInt(id, 10) + ":subjects"
}

// servicesTag is the hash tag shared by the service keys, so a service's
// record and its index entries change in one script on Cluster. A subject's
// tag can never equal it: escaped subjects never contain "%s".
const servicesTag = "{%services}"

// services -> HASH: service name -> JSON registry.Service.
func (k keys) services() string { return k.prefix + ":" + servicesTag + ":records" }

// serviceIndex -> ZSET (all scores 0, ordered by member): the relation
// index, members "<subject>\x00<service name>\x00<kind>"; ZRANGEBYLEX over
// the prefix "<subject>\x00" lists the relations to a subject.
func (k keys) serviceIndex() string { return k.prefix + ":" + servicesTag + ":by-subject" }

// serviceRelations -> HASH: serviceIndex member -> JSON registry.Relation,
// so impact reads the relations to one subject, not whole service records.
func (k keys) serviceRelations() string { return k.prefix + ":" + servicesTag + ":relations" }

// contracts -> HASH: "<kind>:<version>" -> JSON registry.ContractVersion,
// the contract history of one service for one subject. Service names never
// contain ':' (registry.ValidName), so the key is unambiguous.
func (k keys) contracts(service, subject string) string {
	return k.prefix + ":" + servicesTag + ":contracts:" + service + ":" + subject
}

// auditTag is the hash tag of the audit log's keys, so the id counter and
// the stream change in one script on Cluster. No subject's tag equals it:
// escaped subjects never contain "%a".
const auditTag = "{%audit}"

// auditSeq -> STRING: the audit id counter (INCR inside append_audit.lua).
func (k keys) auditSeq() string { return k.prefix + ":" + auditTag + ":seq" }

// auditLog -> STREAM: entry "<id>-0" with one field "e", the JSON
// registry.AuditEntry without its id; trimmed with MAXLEN ~ on append.
func (k keys) auditLog() string { return k.prefix + ":" + auditTag + ":log" }

// deployTag is the hash tag of the deploy records (service versions,
// environments, deployments), so recording a deployment checks its
// environment and replaces the service's previous versions in one script
// on Cluster. No subject's tag equals it: escaped subjects never contain "%d".
const deployTag = "{%deploy}"

// serviceVersions -> HASH: version -> JSON registry.ServiceVersion of one
// service. Kept when the service is deleted. Service names never contain
// ':' (registry.ValidName), so the key is unambiguous.
func (k keys) serviceVersions(service string) string {
	return k.prefix + ":" + deployTag + ":versions:" + service
}

// versionRewrites -> STRING: how many stored service versions were
// overwritten (INCR in put_service_version.lua), so replicas know to drop
// cached snapshots.
func (k keys) versionRewrites() string { return k.prefix + ":" + deployTag + ":rewrites" }

// environments -> HASH: name -> JSON registry.Environment.
func (k keys) environments() string { return k.prefix + ":" + deployTag + ":envs" }

// deployments -> HASH: "<service>\x00<version>" -> deployedAt (unix ns) of
// one environment. Versions never contain 0x00 (registry.ValidVersion).
func (k keys) deployments(env string) string {
	return k.prefix + ":" + deployTag + ":deployments:" + env
}

// deploymentsGen -> STRING: INCR'd by every change of env's deployments
// (in the script that makes it), so readers may cache the list.
func (k keys) deploymentsGen(env string) string {
	return k.prefix + ":" + deployTag + ":deployments-gen:" + env
}
