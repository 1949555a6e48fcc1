package registry_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/google/go-cmp/cmp"
)

// TestRelationDecoder: cached or not, an entry decodes to its relation;
// bad entries are errors every time; the cache stays within its bound.
func TestRelationDecoder(t *testing.T) {
	t.Parallel()
	d := registry.NewRelationDecoder(1000)
	var raws [][]byte
	var want []registry.Relation
	for i := range 20 {
		r := registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: fmt.Sprintf(`{"title":"c%d"}`, i),
			ContractFingerprint: fmt.Sprint("fp", i), ContractVersion: i + 1}
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		raws, want = append(raws, raw), append(want, r)
	}
	for round := range 3 {
		for i, raw := range raws {
			got, err := d.Decode(raw)
			if err != nil || !cmp.Equal(got, want[i]) {
				t.Fatalf("round %d: Decode(%s) = %+v, %v", round, raw, got, err)
			}
			if got, err = d.DecodeString(string(raw)); err != nil || !cmp.Equal(got, want[i]) {
				t.Fatalf("round %d: DecodeString(%s) = %+v, %v", round, raw, got, err)
			}
			if n := d.Len(); n*len(raws[0]) > 1000+len(raw) || n == 0 {
				t.Fatalf("cache holds %d entries of ~%d bytes; bound 1000", n, len(raw))
			}
		}
	}
	for range 2 {
		if _, err := d.Decode([]byte(`{"subject":`)); err == nil {
			t.Fatal("truncated entry decoded without error")
		}
	}
}
