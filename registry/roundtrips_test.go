package registry_test

import (
	"maps"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/storetest"
)

// TestPublishRoundTrips counts the store calls of a publish (on bbolt each
// is one transaction): a new version of a subject with history and four
// dependents, then the same schema again (idempotent). The registrar is
// warm (the stored versions are compiled), as in a running server. One
// read of the subject (ReadSubject) serves the whole attempt; before it a
// new version cost 11 calls (Latest, FindByFingerprint, Config x2,
// Versions x2, Version per pinned dependent, ...) and a re-publish 2.
func TestPublishRoundTrips(t *testing.T) {
	st := storetest.NewCounting(newStore(t))
	reg := registry.NewRegistrar(st, registry.Options{})
	subject, next := storetest.PublishEstate(t, reg)
	for _, tc := range []struct {
		name string
		want map[string]int
	}{
		{"new version", map[string]int{"ReadSubject": 1, "RelationsBySubject": 1, "Append": 1, "SchemaByID": 1}},
		{"same schema again", map[string]int{"ReadSubject": 1}},
	} {
		st.Reset()
		publish(t, reg, subject, next)
		t.Logf("%s: %d store calls %v", tc.name, st.Total(), st.Calls())
		if got := st.Calls(); !maps.Equal(got, tc.want) {
			t.Errorf("%s: store calls %v, want %v", tc.name, got, tc.want)
		}
	}
}
