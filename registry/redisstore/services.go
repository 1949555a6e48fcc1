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

func decodeService(name, raw string) (registry.ServiceInfo, error) {
	var si registry.ServiceInfo
	if err := json.Unmarshal([]byte(raw), &si); err != nil || si.Name != name {
		return registry.ServiceInfo{}, internalErr("read service", fmt.Errorf("service %q: malformed record: %v", name, err))
	}
	return si, nil
}

// PutService implements registry.Store with put_service.lua.
func (st *Store) PutService(ctx context.Context, si registry.ServiceInfo) error {
	if si.Relations == nil {
		si.Relations = []registry.Relation{} // the script iterates relations
	}
	raw, err := json.Marshal(si)
	if err != nil {
		return internalErr("put service", err)
	}
	args := []any{si.Name, string(raw)}
	for _, r := range si.Relations {
		args = append(args, r.Subject+"\x00"+si.Name)
	}
	if err := putServiceScript.Run(ctx, st.rdb, []string{st.k.services(), st.k.serviceIndex()}, args...).Err(); err != nil {
		return st.fail("put service", err)
	}
	return nil
}

// GetService implements registry.Store.
func (st *Store) GetService(ctx context.Context, name string) (registry.ServiceInfo, error) {
	raw, err := st.rdb.HGet(ctx, st.k.services(), name).Result()
	if err == redis.Nil {
		return registry.ServiceInfo{}, registry.ErrServiceNotFound(name)
	}
	if err != nil {
		return registry.ServiceInfo{}, st.fail("get service", err)
	}
	return decodeService(name, raw)
}

// Services implements registry.Store (one HGETALL: a consistent snapshot).
func (st *Store) Services(ctx context.Context) ([]registry.ServiceInfo, error) {
	h, err := st.rdb.HGetAll(ctx, st.k.services()).Result()
	if err != nil {
		return nil, st.fail("list services", err)
	}
	out := make([]registry.ServiceInfo, 0, len(h))
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

// ServicesBySubject implements registry.Store: ZRANGEBYLEX on the relation
// index, then one HMGET for the records. The two reads are not one
// snapshot; a name whose record is gone by the second read (deleted
// meanwhile) is skipped, and a record that no longer relates to subject is
// filtered out.
func (st *Store) ServicesBySubject(ctx context.Context, subject string) ([]registry.ServiceInfo, error) {
	prefix := subject + "\x00"
	members, err := st.rdb.ZRangeByLex(ctx, st.k.serviceIndex(), &redis.ZRangeBy{Min: "[" + prefix, Max: "(" + subject + "\x01"}).Result()
	if err != nil {
		return nil, st.fail("services by subject", err)
	}
	var names []string
	for _, m := range members {
		name := strings.TrimPrefix(m, prefix)
		if !strings.Contains(name, "\x00") { // not a longer subject starting with subject+0x00
			names = append(names, name)
		}
	}
	out := []registry.ServiceInfo{}
	if len(names) == 0 {
		return out, nil
	}
	vals, err := st.rdb.HMGet(ctx, st.k.services(), names...).Result()
	if err != nil {
		return nil, st.fail("services by subject", err)
	}
	for i, v := range vals {
		raw, ok := v.(string)
		if !ok {
			continue
		}
		si, err := decodeService(names[i], raw)
		if err != nil {
			return nil, err
		}
		for _, r := range si.Relations {
			if r.Subject == subject {
				out = append(out, si)
				break
			}
		}
	}
	return out, nil
}

// DeleteService implements registry.Store with put_service.lua.
func (st *Store) DeleteService(ctx context.Context, name string) error {
	existed, err := putServiceScript.Run(ctx, st.rdb, []string{st.k.services(), st.k.serviceIndex()}, name, "").Int()
	if err != nil {
		return st.fail("delete service", err)
	}
	if existed == 0 {
		return registry.ErrServiceNotFound(name)
	}
	return nil
}
