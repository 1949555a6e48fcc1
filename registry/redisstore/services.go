package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/batonhq/baton/registry"
)

var (
	//go:embed put_service.lua
	putServiceLua    string
	putServiceScript = redis.NewScript(putServiceLua)
)

func decodeService(name, raw string) (registry.Service, error) {
	var si registry.Service
	if err := json.Unmarshal([]byte(raw), &si); err != nil || si.Name != name {
		return registry.Service{}, internalErr("read service", fmt.Errorf("service %q: malformed record: %v", name, err))
	}
	return si, nil
}

// PutService implements registry.Store with put_service.lua, which also
// checks the claims (the relation index is in the script's hash slot).
func (st *Store) PutService(ctx context.Context, si registry.Service, writer []string) error {
	if si.Relations == nil {
		si.Relations = []registry.Relation{} // the script iterates relations
	}
	raw, err := json.Marshal(si)
	if err != nil {
		return internalErr("put service", err)
	}
	claim := ""
	if writer != nil {
		c := claimArg{Writer: writer, Claims: []string{}}
		for _, r := range si.Relations {
			if r.Kind.Owns() {
				c.Claims = append(c.Claims, r.Subject)
			}
		}
		b, err := json.Marshal(c)
		if err != nil {
			return internalErr("put service", err)
		}
		claim = string(b)
	}
	args := []any{si.Name, string(raw), claim}
	for _, r := range si.Relations {
		rel, err := json.Marshal(r)
		if err != nil {
			return internalErr("put service", err)
		}
		args = append(args, r.Subject+"\x00"+si.Name+"\x00"+string(r.Kind), string(rel))
	}
	res, err := putServiceScript.Run(ctx, st.rdb, st.serviceKeys(), args...).Result()
	if err != nil {
		return st.fail("put service", err)
	}
	if refused, ok := res.(string); ok {
		var r struct {
			Subject string   `json:"subject"`
			Owners  []string `json:"owners"`
		}
		if err := json.Unmarshal([]byte(refused), &r); err != nil {
			return internalErr("put service", fmt.Errorf("put_service.lua answered %q: %v", refused, err))
		}
		sort.Strings(r.Owners)
		return registry.ErrClaimedElsewhere(si.Name, r.Subject, r.Owners)
	}
	return nil
}

// claimArg is put_service.lua's ARGV[3] for a restricted writer.
type claimArg struct {
	Writer []string `json:"writer"`
	Claims []string `json:"claims"`
}

// GetService implements registry.Store.
func (st *Store) GetService(ctx context.Context, name string) (registry.Service, error) {
	raw, err := st.rdb.HGet(ctx, st.k.services(), name).Result()
	if err == redis.Nil {
		return registry.Service{}, registry.ErrServiceNotFound(name)
	}
	if err != nil {
		return registry.Service{}, st.fail("get service", err)
	}
	return decodeService(name, raw)
}

// Services implements registry.Store (one HGETALL: a consistent snapshot).
func (st *Store) Services(ctx context.Context) ([]registry.Service, error) {
	h, err := st.rdb.HGetAll(ctx, st.k.services()).Result()
	if err != nil {
		return nil, st.fail("list services", err)
	}
	out := make([]registry.Service, 0, len(h))
	for name, raw := range h {
		si, err := decodeService(name, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, si)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// serviceKeys are put_service.lua's KEYS.
func (st *Store) serviceKeys() []string {
	return []string{st.k.services(), st.k.serviceIndex(), st.k.serviceRelations()}
}

// relations decodes relation index entries, cached by their bytes (shared
// by every Store of the process: the bytes alone decide the result).
var relations = registry.NewRelationDecoder(32 << 20)

// RelationsBySubject implements registry.Store: ZRANGEBYLEX on the relation
// index, then one HMGET of the relations. The two reads are not one
// snapshot: an entry removed in between (its service was replaced or
// deleted) is skipped.
func (st *Store) RelationsBySubject(ctx context.Context, subject string) ([]registry.ServiceRelation, error) {
	prefix := subject + "\x00"
	members, err := st.rdb.ZRangeByLex(ctx, st.k.serviceIndex(), &redis.ZRangeBy{Min: "[" + prefix, Max: "(" + subject + "\x01"}).Result()
	if err != nil {
		return nil, st.fail("relations by subject", err)
	}
	var keep []string
	var services []string
	for _, m := range members {
		parts := strings.Split(strings.TrimPrefix(m, prefix), "\x00")
		if len(parts) == 2 { // else a longer subject that starts with subject+0x00
			keep, services = append(keep, m), append(services, parts[0])
		}
	}
	out := []registry.ServiceRelation{}
	if len(keep) == 0 {
		return out, nil
	}
	vals, err := st.rdb.HMGet(ctx, st.k.serviceRelations(), keep...).Result()
	if err != nil {
		return nil, st.fail("relations by subject", err)
	}
	for i, v := range vals {
		raw, ok := v.(string)
		if !ok {
			continue
		}
		r, err := relations.DecodeString(raw)
		if err != nil || r.Subject != subject {
			return nil, internalErr("relations by subject", fmt.Errorf("malformed relation %q: %v", keep[i], err))
		}
		out = append(out, registry.ServiceRelation{Service: services[i], Relation: r})
	}
	return out, nil
}

// DeleteService implements registry.Store with put_service.lua.
func (st *Store) DeleteService(ctx context.Context, name string) error {
	existed, err := putServiceScript.Run(ctx, st.rdb, st.serviceKeys(), name, "").Int()
	if err != nil {
		return st.fail("delete service", err)
	}
	if existed == 0 {
		return registry.ErrServiceNotFound(name)
	}
	return nil
}
