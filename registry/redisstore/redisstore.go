package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
)

// Scripts: every multi-key change of one subject. Headers in the .lua files
// document KEYS, ARGV and return codes. Run uses EVALSHA and falls back to
// EVAL when the server does not know the script (e.g. after a restart).
var (
	//go:embed append.lua
	appendLua    string
	appendScript = redis.NewScript(appendLua)

	//go:embed delete_version.lua
	deleteVersionLua    string
	deleteVersionScript = redis.NewScript(deleteVersionLua)

	//go:embed delete_subject.lua
	deleteSubjectLua    string
	deleteSubjectScript = redis.NewScript(deleteSubjectLua)

	//go:embed find_fingerprint.lua
	findFingerprintLua    string
	findFingerprintScript = redis.NewScript(findFingerprintLua)
)

// Return codes of the scripts (see their headers).
const (
	appendExisting = 1
	appendDone     = 2
	appendStale    = 3
	appendNeedID   = 4

	deleteDone          = 0
	deleteNoSubject     = 1
	deleteNoVersion     = 2
	deleteAlreadySoft   = 3 // delete_version.lua
	deleteNotSoft       = 4 // delete_version.lua
	deleteSubjectIsSoft = 2 // delete_subject.lua: every version already soft-deleted
	deleteSubjectLive   = 3 // delete_subject.lua: hard delete of a live version

	findFound     = 0
	findNoSubject = 1
	findNone      = 2
)

// DefaultKeyPrefix starts every key unless Options.KeyPrefix says otherwise.
const DefaultKeyPrefix = "baton"

// Options configures a Store.
type Options struct {
	// KeyPrefix starts every key (default "baton"). Several registries (or
	// tests) can share one Redis database under different prefixes. It may
	// not contain '{' or '}', which would move the subjects' hash tags.
	KeyPrefix string
	// AuditRetention is about how many audit entries are kept (XADD MAXLEN
	// ~, so up to a few hundred more); default registry.DefaultAuditRetention.
	AuditRetention int
}

// Store is a registry.Store on Redis. It is safe for concurrent use, and any
// number of Stores (in any number of processes) may share one Redis: all
// mutable state lives in Redis; the only local cache holds schema bodies by
// id, which never change.
type Store struct {
	rdb      redis.UniversalClient
	k        keys
	schemas  schemaCache
	auditCap int
}

var _ registry.Store = (*Store)(nil)

// Open connects to the Redis at url (see ParseURL) and checks that it
// answers. A Redis that is down fails Open with a KindUnavailable error;
// after a successful Open, outages only fail the calls made during them.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	uo, err := ParseURL(url)
	if err != nil {
		return nil, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "%v", err)
	}
	prefix := opts.KeyPrefix
	if prefix == "" {
		prefix = DefaultKeyPrefix
	}
	if strings.ContainsAny(prefix, "{}") {
		return nil, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "redis key prefix %q: braces are not allowed", prefix)
	}
	if opts.AuditRetention <= 0 {
		opts.AuditRetention = registry.DefaultAuditRetention
	}
	st := &Store{rdb: redis.NewUniversalClient(uo), k: keys{prefix: prefix}, auditCap: opts.AuditRetention}
	if err := st.Ping(ctx); err != nil {
		st.rdb.Close()
		return nil, err
	}
	return st, nil
}

// Close releases the connections.
func (st *Store) Close() error { return st.rdb.Close() }

// Ping reports whether Redis answers.
func (st *Store) Ping(ctx context.Context) error {
	if err := st.rdb.Ping(ctx).Err(); err != nil {
		return st.fail("ping", err)
	}
	return nil
}

// fail turns a Redis error into the registry's error: a reply that shows a
// bug (a script error, a key of the wrong type) is internal; anything else
// (refused, timed out, LOADING, READONLY, CLUSTERDOWN, OOM, ...) means the
// store cannot serve now: KindUnavailable, 503 / 50001.
func (st *Store) fail(op string, err error) error {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		msg := rerr.Error()
		if strings.HasPrefix(msg, "WRONGTYPE") || (strings.HasPrefix(msg, "ERR") && strings.Contains(msg, "script")) {
			return &registry.Error{Kind: registry.KindInternal, Code: registry.CodeStoreError,
				Message: "redis store: " + op + " failed", Err: err}
		}
	}
	return registry.Unavailable(op, err)
}

// schemaBody is the stored JSON form of a schema (a stored format).
type schemaBody struct {
	Type        string               `json:"type"`
	Text        string               `json:"text"`
	References  []registry.Reference `json:"references"`
	Fingerprint string               `json:"fingerprint"`
	// Imported marks a body written by Import under the id it was given:
	// it counts even when the fingerprint index names another id (the
	// source registry had the same schema under two ids).
	Imported bool `json:"imported,omitempty"`
}

// entry is one field of a subject's versions hash.
type entry struct {
	version     int
	id          int64
	deleted     bool
	fingerprint string
}

// parseEntry reads "<id>:<deleted 0|1>:<fingerprint>".
func parseEntry(field, val string) (entry, error) {
	v, err1 := strconv.Atoi(field)
	idStr, rest, ok1 := strings.Cut(val, ":")
	del, fp, ok2 := strings.Cut(rest, ":")
	id, err2 := strconv.ParseInt(idStr, 10, 64)
	if err1 != nil || err2 != nil || !ok1 || !ok2 || (del != "0" && del != "1") {
		return entry{}, fmt.Errorf("redis store: malformed version %q -> %q", field, val)
	}
	return entry{version: v, id: id, deleted: del == "1", fingerprint: fp}, nil
}

// parseEntries reads a whole versions hash, sorted by version.
func parseEntries(h map[string]string) ([]entry, error) {
	out := make([]entry, 0, len(h))
	for f, v := range h {
		e, err := parseEntry(f, v)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

func internalErr(op string, err error) error {
	return &registry.Error{Kind: registry.KindInternal, Code: registry.CodeStoreError, Message: "redis store: " + op + " failed", Err: err}
}

// Append implements registry.Store; see the package documentation for the
// order of its steps and why each crash point is safe.
func (st *Store) Append(ctx context.Context, subject string, expected int, s registry.Schema) (registry.Version, bool, error) {
	if subject == "" {
		return registry.Version{}, false, registry.ErrEmptySubject()
	}
	if s.Fingerprint == "" {
		return registry.Version{}, false, internalErr("append", errors.New("schema without fingerprint"))
	}
	if expected < 0 {
		return registry.Version{}, false, registry.ErrStale
	}
	id, err := st.lookupID(ctx, "append", s.Fingerprint)
	if err != nil {
		return registry.Version{}, false, err
	}
	keys := []string{st.k.meta(subject), st.k.versions(subject), st.k.fingerprints(subject)}
	hinted := false
	for range 2 { // the second round always has an id, so it never asks for one
		if id != 0 && !hinted {
			if err := st.addHints(ctx, subject, id, s.References); err != nil {
				return registry.Version{}, false, err
			}
			hinted = true
		}
		res, err := appendScript.Run(ctx, st.rdb, keys, expected, id, s.Fingerprint).Int64Slice()
		if err != nil {
			return registry.Version{}, false, st.fail("append", err)
		}
		if len(res) != 3 {
			return registry.Version{}, false, internalErr("append", fmt.Errorf("script returned %v", res))
		}
		switch res[0] {
		case appendExisting:
			return registry.Version{Subject: subject, Version: int(res[1]), SchemaID: res[2]}, true, nil
		case appendDone:
			return registry.Version{Subject: subject, Version: int(res[1]), SchemaID: res[2]}, false, nil
		case appendStale:
			return registry.Version{}, false, registry.ErrStale
		case appendNeedID:
			if id != 0 {
				return registry.Version{}, false, internalErr("append", errors.New("script asked for an id it was given"))
			}
			if id, err = st.allocate(ctx, s); err != nil {
				return registry.Version{}, false, err
			}
		default:
			return registry.Version{}, false, internalErr("append", fmt.Errorf("script returned code %d", res[0]))
		}
	}
	return registry.Version{}, false, internalErr("append", errors.New("no id after allocation"))
}

// lookupID returns the global id of a fingerprint, 0 if it has none.
func (st *Store) lookupID(ctx context.Context, op, fp string) (int64, error) {
	id, err := st.rdb.Get(ctx, st.k.fingerprint(fp)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, st.fail(op, err)
	}
	return id, nil
}

// allocate registers a schema never seen before: a new id (INCR), its
// immutable body, then the fingerprint index as set-if-absent. If another
// writer registered the same fingerprint meanwhile, its id wins and ours is
// a gap (its body is removed; if that fails, SchemaByID still ignores it).
func (st *Store) allocate(ctx context.Context, s registry.Schema) (int64, error) {
	body, err := json.Marshal(schemaBody{Type: s.Type, Text: s.Text, References: s.References, Fingerprint: s.Fingerprint})
	if err != nil {
		return 0, internalErr("append", err)
	}
	id, err := st.rdb.Incr(ctx, st.k.nextID()).Result()
	if err != nil {
		return 0, st.fail("append", err)
	}
	if err := st.rdb.Set(ctx, st.k.schema(id), body, 0).Err(); err != nil {
		return 0, st.fail("append", err)
	}
	won, err := st.rdb.SetNX(ctx, st.k.fingerprint(s.Fingerprint), id, 0).Result()
	if err != nil {
		return 0, st.fail("append", err)
	}
	if won {
		return id, nil
	}
	st.rdb.Del(ctx, st.k.schema(id)) // best effort: unreferenced either way
	winner, err := st.lookupID(ctx, "append", s.Fingerprint)
	if err != nil {
		return 0, err
	}
	if winner == 0 {
		return 0, internalErr("append", errors.New("fingerprint index lost its entry"))
	}
	return winner, nil
}

// addHints records, before a version with schema id can become visible,
// where readers must look for it: the subject in the subject index, the
// subject among the id's users, the id among the referrers of each reference.
func (st *Store) addHints(ctx context.Context, subject string, id int64, refs []registry.Reference) error {
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, st.k.subjects(), subject)
		p.SAdd(ctx, st.k.idSubjects(id), subject)
		for _, r := range refs {
			p.SAdd(ctx, st.k.referencedBy(r.Subject, r.Version), id)
		}
		return nil
	})
	if err != nil {
		return st.fail("append", err)
	}
	return nil
}

// Latest implements registry.Store.
func (st *Store) Latest(ctx context.Context, subject string) (int, error) {
	n, err := st.rdb.HGet(ctx, st.k.meta(subject), "latest").Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, st.fail("latest", err)
	}
	return n, nil
}

// ReadSubject implements registry.Store with one pipeline: the subject's
// latest version number, its versions hash and its config (all in the
// subject's slot) and the global config. The pipeline is not a
// transaction (the global config lives in another slot), but Redis runs
// its commands in order: latest is read before the versions, so a version
// appended in between makes the publish that read them fail its
// compare-and-set (stale) instead of going unchecked against it.
func (st *Store) ReadSubject(ctx context.Context, subject, fingerprint string) (registry.SubjectState, error) {
	const op = "read subject"
	var latest *redis.StringCmd
	var versions, cfg, global *redis.MapStringStringCmd
	var mode, globalMode *redis.StringCmd
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		latest = p.HGet(ctx, st.k.meta(subject), "latest")
		versions = p.HGetAll(ctx, st.k.versions(subject))
		cfg = p.HGetAll(ctx, st.k.config(subject))
		global = p.HGetAll(ctx, st.k.config(""))
		mode = p.Get(ctx, st.k.mode(subject))
		globalMode = p.Get(ctx, st.k.mode(""))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) { // a missing latest or mode is redis.Nil
		return registry.SubjectState{}, st.fail(op, err)
	}
	for _, c := range []redis.Cmder{latest, versions, cfg, global, mode, globalMode} {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return registry.SubjectState{}, st.fail(op, err)
		}
	}
	var out registry.SubjectState
	if latest.Err() == nil {
		n, err := strconv.Atoi(latest.Val())
		if err != nil {
			return registry.SubjectState{}, internalErr(op, fmt.Errorf("malformed latest version %q", latest.Val()))
		}
		out.Latest = n
	}
	es, err := parseEntries(versions.Val())
	if err != nil {
		return registry.SubjectState{}, internalErr(op, err)
	}
	for _, e := range es {
		v := registry.Version{Subject: subject, Version: e.version, SchemaID: e.id, Deleted: e.deleted}
		out.Versions = append(out.Versions, v)
		if fingerprint != "" && !e.deleted && e.fingerprint == fingerprint {
			out.Existing = v
		}
	}
	if subject != "" {
		if out.Config, _, err = parseConfig(op, cfg.Val()); err != nil {
			return registry.SubjectState{}, err
		}
	}
	if out.Global, _, err = parseConfig(op, global.Val()); err != nil {
		return registry.SubjectState{}, err
	}
	if subject != "" {
		if out.Mode, _, err = parseMode(op, mode); err != nil {
			return registry.SubjectState{}, err
		}
	}
	if out.GlobalMode, _, err = parseMode(op, globalMode); err != nil {
		return registry.SubjectState{}, err
	}
	return out, nil
}

// Subjects implements registry.Store.
func (st *Store) Subjects(ctx context.Context, deleted bool) ([]string, error) {
	names, err := st.rdb.SMembers(ctx, st.k.subjects()).Result()
	if err != nil {
		return nil, st.fail("list subjects", err)
	}
	cmds := make([]*redis.SliceCmd, len(names))
	if len(names) > 0 {
		_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, n := range names {
				cmds[i] = p.HMGet(ctx, st.k.meta(n), "count", "live")
			}
			return nil
		})
		if err != nil {
			return nil, st.fail("list subjects", err)
		}
	}
	out := []string{}
	for i, n := range names {
		vals := cmds[i].Val()
		count, live := atoi(vals[0]), atoi(vals[1])
		if live > 0 || (deleted && count > 0) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// atoi reads an HMGET value (nil when absent).
func atoi(v any) int {
	s, _ := v.(string)
	n, _ := strconv.Atoi(s)
	return n
}

// entries reads a subject's versions hash (one command: a consistent snapshot).
func (st *Store) entries(ctx context.Context, op, subject string) ([]entry, error) {
	h, err := st.rdb.HGetAll(ctx, st.k.versions(subject)).Result()
	if err != nil {
		return nil, st.fail(op, err)
	}
	es, err := parseEntries(h)
	if err != nil {
		return nil, internalErr(op, err)
	}
	return es, nil
}

// Versions implements registry.Store.
func (st *Store) Versions(ctx context.Context, subject string, deleted bool) ([]registry.Version, error) {
	es, err := st.entries(ctx, "list versions", subject)
	if err != nil {
		return nil, err
	}
	out := []registry.Version{}
	for _, e := range es {
		if deleted || !e.deleted {
			out = append(out, registry.Version{Subject: subject, Version: e.version, SchemaID: e.id, Deleted: e.deleted})
		}
	}
	if len(out) == 0 {
		return nil, registry.ErrSubjectNotFound(subject)
	}
	return out, nil
}

// Version implements registry.Store.
func (st *Store) Version(ctx context.Context, subject string, version int, deleted bool) (registry.Version, error) {
	var meta *redis.SliceCmd
	var field *redis.StringCmd
	_, err := st.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error { // one slot: atomic on Cluster too
		meta = p.HMGet(ctx, st.k.meta(subject), "count", "live")
		field = p.HGet(ctx, st.k.versions(subject), strconv.Itoa(version))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return registry.Version{}, st.fail("get version", err)
	}
	if err := meta.Err(); err != nil {
		return registry.Version{}, st.fail("get version", err)
	}
	vals := meta.Val()
	if visible := atoi(vals[1]); visible == 0 && (!deleted || atoi(vals[0]) == 0) {
		return registry.Version{}, registry.ErrSubjectNotFound(subject)
	}
	val, err := field.Result()
	if errors.Is(err, redis.Nil) {
		return registry.Version{}, registry.ErrVersionNotFound(subject, version)
	}
	e, err := parseEntry(strconv.Itoa(version), val)
	if err != nil {
		return registry.Version{}, internalErr("get version", err)
	}
	if e.deleted && !deleted {
		return registry.Version{}, registry.ErrVersionNotFound(subject, version)
	}
	return registry.Version{Subject: subject, Version: version, SchemaID: e.id, Deleted: e.deleted}, nil
}

// SchemaByID implements registry.Store. A body counts only if the global
// fingerprint index points back at its id (see allocate).
func (st *Store) SchemaByID(ctx context.Context, id int64) (registry.Schema, error) {
	if s, ok := st.schemas.get(id); ok {
		return s, nil
	}
	raw, err := st.rdb.Get(ctx, st.k.schema(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return registry.Schema{}, registry.ErrSchemaNotFound(id)
	}
	if err != nil {
		return registry.Schema{}, st.fail("get schema", err)
	}
	var b schemaBody
	if err := json.Unmarshal(raw, &b); err != nil {
		return registry.Schema{}, internalErr("get schema", fmt.Errorf("schema %d: %w", id, err))
	}
	owner, err := st.lookupID(ctx, "get schema", b.Fingerprint)
	if err != nil {
		return registry.Schema{}, err
	}
	if owner != id && !b.Imported {
		return registry.Schema{}, registry.ErrSchemaNotFound(id)
	}
	s := registry.Schema{ID: id, Type: b.Type, Text: b.Text, References: b.References, Fingerprint: b.Fingerprint}
	st.schemas.put(id, s)
	return s, nil
}

// usersOf returns, for each id, the versions that use it (soft-deleted ones
// only if withDeleted), sorted by subject then version. It reads the ids'
// subject hint sets and checks them against each subject's versions hash.
func (st *Store) usersOf(ctx context.Context, op string, ids []int64, withDeleted bool) (map[int64][]registry.Version, error) {
	hints := make([]*redis.StringSliceCmd, len(ids))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			hints[i] = p.SMembers(ctx, st.k.idSubjects(id))
		}
		return nil
	})
	if err != nil {
		return nil, st.fail(op, err)
	}
	want := map[int64]bool{}
	subjects := map[string]bool{}
	for i, id := range ids {
		want[id] = true
		for _, s := range hints[i].Val() {
			subjects[s] = true
		}
	}
	names := make([]string, 0, len(subjects))
	for s := range subjects {
		names = append(names, s)
	}
	sort.Strings(names)
	hashes := make([]*redis.MapStringStringCmd, len(names))
	if len(names) > 0 {
		_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, s := range names {
				hashes[i] = p.HGetAll(ctx, st.k.versions(s))
			}
			return nil
		})
		if err != nil {
			return nil, st.fail(op, err)
		}
	}
	out := map[int64][]registry.Version{}
	for i, s := range names {
		es, err := parseEntries(hashes[i].Val())
		if err != nil {
			return nil, internalErr(op, err)
		}
		for _, e := range es {
			if (withDeleted || !e.deleted) && want[e.id] {
				out[e.id] = append(out[e.id], registry.Version{Subject: s, Version: e.version, SchemaID: e.id, Deleted: e.deleted})
			}
		}
	}
	return out, nil
}

// VersionsByID implements registry.Store.
func (st *Store) VersionsByID(ctx context.Context, id int64) ([]registry.Version, error) {
	if _, err := st.SchemaByID(ctx, id); err != nil {
		return nil, err
	}
	users, err := st.usersOf(ctx, "list versions by id", []int64{id}, false)
	if err != nil {
		return nil, err
	}
	out := users[id]
	if out == nil {
		out = []registry.Version{}
	}
	return out, nil
}

// FindByFingerprint implements registry.Store.
func (st *Store) FindByFingerprint(ctx context.Context, subject, fingerprint string) (registry.Version, error) {
	keys := []string{st.k.meta(subject), st.k.versions(subject), st.k.fingerprints(subject)}
	res, err := findFingerprintScript.Run(ctx, st.rdb, keys, fingerprint).Int64Slice()
	if err != nil {
		return registry.Version{}, st.fail("find schema", err)
	}
	if len(res) != 3 {
		return registry.Version{}, internalErr("find schema", fmt.Errorf("script returned %v", res))
	}
	switch res[0] {
	case findFound:
		return registry.Version{Subject: subject, Version: int(res[1]), SchemaID: res[2]}, nil
	case findNoSubject:
		return registry.Version{}, registry.ErrSubjectNotFound(subject)
	case findNone:
		return registry.Version{}, registry.ErrSchemaNotUnderSubject(subject)
	}
	return registry.Version{}, internalErr("find schema", fmt.Errorf("script returned code %d", res[0]))
}

// DeleteVersion implements registry.Store.
func (st *Store) DeleteVersion(ctx context.Context, subject string, version int, permanent bool) error {
	keys := []string{st.k.meta(subject), st.k.versions(subject), st.k.fingerprints(subject)}
	code, err := deleteVersionScript.Run(ctx, st.rdb, keys, strconv.Itoa(version), flag(permanent)).Int64()
	if err != nil {
		return st.fail("delete version", err)
	}
	switch code {
	case deleteDone:
		return nil
	case deleteNoSubject:
		return registry.ErrSubjectNotFound(subject)
	case deleteNoVersion:
		return registry.ErrVersionNotFound(subject, version)
	case deleteAlreadySoft:
		return registry.ErrVersionSoftDeleted(subject, version)
	case deleteNotSoft:
		return registry.ErrVersionNotSoftDeleted(subject, version)
	}
	return internalErr("delete version", fmt.Errorf("script returned code %d", code))
}

// DeleteSubject implements registry.Store.
func (st *Store) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	if subject == "" { // keys.config("") is the global config
		return nil, registry.ErrSubjectNotFound(subject)
	}
	keys := []string{st.k.meta(subject), st.k.versions(subject), st.k.fingerprints(subject), st.k.config(subject), st.k.mode(subject)}
	res, err := deleteSubjectScript.Run(ctx, st.rdb, keys, flag(permanent)).Int64Slice()
	if err != nil {
		return nil, st.fail("delete subject", err)
	}
	if len(res) == 0 {
		return nil, internalErr("delete subject", errors.New("script returned nothing"))
	}
	switch res[0] {
	case deleteDone:
		out := make([]int, 0, len(res)-1)
		for _, v := range res[1:] {
			out = append(out, int(v))
		}
		sort.Ints(out)
		return out, nil
	case deleteNoSubject:
		return nil, registry.ErrSubjectNotFound(subject)
	case deleteSubjectIsSoft:
		return nil, registry.ErrSubjectSoftDeleted(subject)
	case deleteSubjectLive:
		return nil, registry.ErrSubjectNotSoftDeleted(subject)
	}
	return nil, internalErr("delete subject", fmt.Errorf("script returned code %d", res[0]))
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// ReferencedBy implements registry.Store: the ids in the hint set that a
// version still uses (a soft-deleted version still refers; a hard-deleted one
// no longer does).
func (st *Store) ReferencedBy(ctx context.Context, subject string, version int) ([]int64, error) {
	members, err := st.rdb.SMembers(ctx, st.k.referencedBy(subject, version)).Result()
	if err != nil {
		return nil, st.fail("referenced by", err)
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		id, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			return nil, internalErr("referenced by", fmt.Errorf("malformed id %q", m))
		}
		ids = append(ids, id)
	}
	out := []int64{}
	if len(ids) == 0 {
		return out, nil
	}
	users, err := st.usersOf(ctx, "referenced by", ids, true)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if len(users[id]) > 0 {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// Config implements registry.Store.
func (st *Store) Config(ctx context.Context, subject string) (registry.Config, bool, error) {
	h, err := st.rdb.HGetAll(ctx, st.k.config(subject)).Result()
	if err != nil {
		return registry.Config{}, false, st.fail("get config", err)
	}
	return parseConfig("get config", h)
}

// parseConfig reads a config hash; ok is false when it is empty (not set).
func parseConfig(op string, h map[string]string) (cfg registry.Config, ok bool, err error) {
	if len(h) == 0 {
		return registry.Config{}, false, nil
	}
	p, err := compat.ParsePolicy(h["policy"])
	if err != nil {
		return registry.Config{}, false, internalErr(op, err)
	}
	return registry.Config{Mode: compat.Mode(h["mode"]), Policy: p}, true, nil
}

// SetConfig implements registry.Store.
func (st *Store) SetConfig(ctx context.Context, subject string, cfg registry.Config) error {
	if err := st.rdb.HSet(ctx, st.k.config(subject), "mode", string(cfg.Mode), "policy", cfg.Policy.String()).Err(); err != nil {
		return st.fail("set config", err)
	}
	return nil
}

// DeleteConfig implements registry.Store.
func (st *Store) DeleteConfig(ctx context.Context, subject string) error {
	n, err := st.rdb.Del(ctx, st.k.config(subject)).Result()
	if err != nil {
		return st.fail("delete config", err)
	}
	if n == 0 && subject != "" {
		return registry.ErrSubjectConfigNotFound(subject)
	}
	return nil
}

// schemaCache keeps verified schema bodies by id. Bodies never change, so
// the cache can never be stale; it is bounded by dropping everything when full.
type schemaCache struct {
	mu sync.Mutex
	m  map[int64]registry.Schema
}

const schemaCacheSize = 4096

func (c *schemaCache) get(id int64) (registry.Schema, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[id]
	s.References = slices.Clone(s.References) // callers may modify what they get
	return s, ok
}

func (c *schemaCache) put(id int64, s registry.Schema) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= schemaCacheSize {
		c.m = make(map[int64]registry.Schema)
	}
	c.m[id] = s
}
