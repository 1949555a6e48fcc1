package registry_test

import (
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/storetest"
)

// TestPublishRoundTrips counts the store calls of a publish (on bbolt each
// is one transaction): a new version of a subject with history and four
// dependents, then the same schema again (idempotent). The registrar is
// warm (the stored versions are compiled), as in a running server.
func TestPublishRoundTrips(t *testing.T) {
	st := storetest.NewCounting(newStore(t))
	reg := registry.NewRegistrar(st, registry.Options{})
	subject, next := storetest.PublishEstate(t, reg)
	for _, tc := range []struct {
		name string
		want map[string]int
	}{
		{"new version", nil},
		{"same schema again", nil},
	} {
		st.Reset()
		publish(t, reg, subject, next)
		t.Logf("%s: %d store calls %v", tc.name, st.Total(), st.Calls())
	}
}
