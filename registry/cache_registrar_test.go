package registry_test

import (
	"fmt"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/internal/eventschema"
	"github.com/batonhq/baton/registry"
)

// TestEvictedProposalRecompiles: with caches too small for two compiled
// proposals, a proposal checked again after another one evicted it is
// compiled again from its text (the digest of the text is still cached,
// its decoded form is not) and judged as the first time; one still cached
// compiles nothing.
func TestEvictedProposalRecompiles(t *testing.T) {
	svc := registry.NewRegistrar(newStore(t), registry.Options{CacheBytes: 1})
	publish(t, svc, "orders", eventschema.Object(10, "orders", 0))
	check := func(schema string) compatReport {
		t.Helper()
		rep, err := svc.Check(ctx, registry.CheckRequest{Subject: "orders", Version: "latest", Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		return compatReport{rep.Compatible, len(rep.Findings)}
	}
	compatible := eventschema.Object(10, "orders, described anew", 0)
	breaking := `{"type":"string"}`
	first := check(compatible)
	if !first.compatible {
		t.Fatalf("a new description judged incompatible: %+v", first)
	}
	if got := check(breaking); got.compatible {
		t.Fatalf("a string in place of the object judged compatible: %+v", got)
	}
	before := registry.Compiles(svc)
	if got := check(compatible); got != first {
		t.Errorf("re-check after eviction = %+v, want %+v", got, first)
	}
	if n := registry.Compiles(svc) - before; n != 1 {
		t.Errorf("re-check of an evicted proposal compiled %d schemas, want 1", n)
	}
	before = registry.Compiles(svc)
	check(compatible)
	if n := registry.Compiles(svc) - before; n != 0 {
		t.Errorf("re-check of the cached proposal compiled %d schemas, want 0", n)
	}
}

type compatReport struct {
	compatible bool
	findings   int
}

// TestRecheckKeepsLimits: the digest of a refused text stays cached, so
// its second check finds the fingerprint without decoding the text; it
// must still decode it for the limits and refuse it the same way.
func TestRecheckKeepsLimits(t *testing.T) {
	svc := registry.NewRegistrar(newStore(t), registry.Options{Limits: compat.Limits{MaxEnum: 3}})
	publish(t, svc, "orders", `{"type":"object"}`)
	var first string
	for i := range 2 {
		_, err := svc.Check(ctx, registry.CheckRequest{Subject: "orders", Version: "latest", Schema: `{"enum":[1,2,3,4]}`})
		e := wantCode(t, fmt.Sprintf("check %d of a 4-value enum (limit 3)", i+1), err, registry.CodeInvalidSchema)
		if i == 0 {
			first = e.Message
		} else if e.Message != first {
			t.Errorf("second refusal %q differs from the first %q", e.Message, first)
		}
	}
}
