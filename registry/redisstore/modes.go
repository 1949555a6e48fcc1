package redisstore

import (
	_ "embed"

	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/batonhq/baton/registry"
)

var (
	//go:embed import_version.lua
	importVersionLua    string
	importVersionScript = redis.NewScript(importVersionLua)

	//go:embed raise_next_id.lua
	raiseNextIDLua    string
	raiseNextIDScript = redis.NewScript(raiseNextIDLua)
)

// Return codes of import_version.lua.
const (
	importDone     = 0
	importExisting = 1
	importTaken    = 2
)

// parseMode reads a mode GET (redis.Nil: not set).
func parseMode(op string, c *redis.StringCmd) (registry.Mode, bool, error) {
	s, err := c.Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	m, err := registry.ParseMode(s)
	if err != nil {
		return "", false, internalErr(op, err)
	}
	return m, true, nil
}

// Mode implements registry.Store.
func (st *Store) Mode(ctx context.Context, subject string) (registry.Mode, bool, error) {
	m, ok, err := parseMode("get mode", st.rdb.Get(ctx, st.k.mode(subject)))
	var re *registry.Error
	if err != nil && !errors.As(err, &re) {
		return "", false, st.fail("get mode", err)
	}
	return m, ok, err
}

// SetMode implements registry.Store.
func (st *Store) SetMode(ctx context.Context, subject string, m registry.Mode) error {
	if err := st.rdb.Set(ctx, st.k.mode(subject), string(m), 0).Err(); err != nil {
		return st.fail("set mode", err)
	}
	return nil
}

// DeleteMode implements registry.Store.
func (st *Store) DeleteMode(ctx context.Context, subject string) error {
	n, err := st.rdb.Del(ctx, st.k.mode(subject)).Result()
	if err != nil {
		return st.fail("delete mode", err)
	}
	if n == 0 && subject != "" {
		return registry.ErrSubjectModeNotFound(subject)
	}
	return nil
}

// Import implements registry.Store. Like Append it writes the global,
// cross-slot parts first, each with one command, in an order where a crash
// leaves at most a raised counter, an unused body or an extra hint: the id
// counter is raised, the body claimed, the fingerprint index set if empty,
// the hints added; then import_version.lua makes the version visible.
func (st *Store) Import(ctx context.Context, v registry.Version, s registry.Schema) (registry.Version, bool, error) {
	const op = "import"
	if v.Subject == "" {
		return registry.Version{}, false, registry.ErrEmptySubject()
	}
	if s.Fingerprint == "" || s.ID < 1 || v.Version < 1 || v.SchemaID != s.ID {
		return registry.Version{}, false, internalErr(op, errors.New("want a fingerprint, an id >= 1 and a version >= 1"))
	}
	subject, id := v.Subject, s.ID
	keys := []string{st.k.meta(subject), st.k.versions(subject), st.k.fingerprints(subject)}
	// A version already there answers before anything global is touched.
	if have, err := st.rdb.HGet(ctx, st.k.versions(subject), fmt.Sprint(v.Version)).Result(); err == nil {
		e, perr := parseEntry(fmt.Sprint(v.Version), have)
		if perr != nil {
			return registry.Version{}, false, internalErr(op, perr)
		}
		if e.id != id {
			return registry.Version{}, false, registry.ErrVersionTaken(subject, v.Version, e.id)
		}
		return registry.Version{Subject: subject, Version: v.Version, SchemaID: id, Deleted: e.deleted}, true, nil
	} else if !errors.Is(err, redis.Nil) {
		return registry.Version{}, false, st.fail(op, err)
	}
	if err := raiseNextIDScript.Run(ctx, st.rdb, []string{st.k.nextID()}, id).Err(); err != nil {
		return registry.Version{}, false, st.fail(op, err)
	}
	if err := st.claimBody(ctx, s); err != nil {
		return registry.Version{}, false, err
	}
	if err := st.rdb.SetNX(ctx, st.k.fingerprint(s.Fingerprint), id, 0).Err(); err != nil {
		return registry.Version{}, false, st.fail(op, err)
	}
	if err := st.addHints(ctx, subject, id, s.References); err != nil {
		return registry.Version{}, false, err
	}
	res, err := importVersionScript.Run(ctx, st.rdb, keys, v.Version, id, s.Fingerprint).Int64Slice()
	if err != nil {
		return registry.Version{}, false, st.fail(op, err)
	}
	if len(res) != 2 {
		return registry.Version{}, false, internalErr(op, fmt.Errorf("script returned %v", res))
	}
	out := registry.Version{Subject: subject, Version: v.Version, SchemaID: id}
	switch res[0] {
	case importDone:
		return out, false, nil
	case importExisting:
		return out, true, nil
	case importTaken:
		return registry.Version{}, false, registry.ErrVersionTaken(subject, v.Version, res[1])
	}
	return registry.Version{}, false, internalErr(op, fmt.Errorf("script returned code %d", res[0]))
}

// claimBody makes schema:<id> hold s: written if absent (or if what is
// there is an orphan a lost allocation left), accepted if it holds the same
// fingerprint, ErrIDTaken if it holds another schema.
func (st *Store) claimBody(ctx context.Context, s registry.Schema) error {
	const op = "import"
	body, err := json.Marshal(schemaBody{Type: s.Type, Text: s.Text, References: s.References, Fingerprint: s.Fingerprint, Imported: true})
	if err != nil {
		return internalErr(op, err)
	}
	for range 2 {
		won, err := st.rdb.SetNX(ctx, st.k.schema(s.ID), body, 0).Result()
		if err != nil {
			return st.fail(op, err)
		}
		if won {
			return nil
		}
		if have, err := st.SchemaByID(ctx, s.ID); err == nil {
			if have.Fingerprint != s.Fingerprint {
				return registry.ErrIDTaken(s.ID)
			}
			return nil
		} else if registry.ErrorKind(err) != registry.KindNotFound {
			return err
		}
		// An orphan body (SchemaByID ignores it): replace it, then check
		// that it is ours on the next round.
		if err := st.rdb.Set(ctx, st.k.schema(s.ID), body, 0).Err(); err != nil {
			return st.fail(op, err)
		}
	}
	return nil
}
