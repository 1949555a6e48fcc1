package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/batonhq/baton/registry"
)

// PutContractVersion implements registry.Store: one HSET, so an entry is
// written whole or not at all.
func (st *Store) PutContractVersion(ctx context.Context, cv registry.ContractVersion) error {
	raw, err := json.Marshal(cv)
	if err != nil {
		return internalErr("put contract version", err)
	}
	field := string(cv.Kind) + ":" + strconv.Itoa(cv.Version)
	if err := st.rdb.HSet(ctx, st.k.contracts(cv.Service, cv.Subject), field, raw).Err(); err != nil {
		return st.fail("put contract version", err)
	}
	return nil
}

// ContractVersions implements registry.Store (one HGETALL: a consistent
// snapshot).
func (st *Store) ContractVersions(ctx context.Context, service, subject string) ([]registry.ContractVersion, error) {
	h, err := st.rdb.HGetAll(ctx, st.k.contracts(service, subject)).Result()
	if err != nil {
		return nil, st.fail("list contract versions", err)
	}
	out := make([]registry.ContractVersion, 0, len(h))
	for field, raw := range h {
		var cv registry.ContractVersion
		if err := json.Unmarshal([]byte(raw), &cv); err != nil || cv.Service != service || cv.Subject != subject ||
			field != string(cv.Kind)+":"+strconv.Itoa(cv.Version) {
			return nil, internalErr("list contract versions", fmt.Errorf("contract version %q of %s/%s: malformed record: %v", field, service, subject, err))
		}
		out = append(out, cv)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}
