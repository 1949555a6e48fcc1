package registry_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/report"
)

// closedObject is a closed object schema of optional string properties,
// some required: L(A) ⊆ L(B) iff A's properties are B's or fewer and A
// requires what B requires or more.
func closedObject(title string, props []string, required ...string) string {
	var ps []string
	for _, p := range props {
		ps = append(ps, fmt.Sprintf("%q:{\"type\":\"string\"}", p))
	}
	req := ""
	if len(required) > 0 {
		req = `,"required":["` + strings.Join(required, `","`) + `"]`
	}
	return fmt.Sprintf(`{"title":%q,"type":"object","additionalProperties":false,"properties":{%s}%s}`, title, strings.Join(ps, ","), req)
}

// TestCheckManifestAgreesWithPublish: under every mode, NONE included, the
// dry run of a manifest fails exactly when publishing it is refused as
// incompatible, for proposals that break the history in one direction,
// the other, only transitively, or only a registered consumer.
func TestCheckManifestAgreesWithPublish(t *testing.T) {
	t.Parallel()
	const subject = "OrderPlaced"
	v1 := closedObject("v1", []string{"id", "a"}, "id")
	v2 := closedObject("v2", []string{"id", "a", "b"}, "id") // backward-compatible with v1 only
	readsID := `{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`
	proposals := map[string]string{
		"safe":           closedObject("v3", []string{"id", "a", "b"}, "id"),
		"backward-break": closedObject("v3", []string{"id", "a", "b"}, "id", "a"), // new readers require a
		"forward-break":  closedObject("v3", []string{"id", "a", "b", "c"}, "id"), // old readers reject c
		"drops-a":        closedObject("v3", []string{"id", "b"}, "id"),           // v2 data has a; v1 readers reject b
		"consumer-break": closedObject("v3", []string{"id", "a", "b"}),            // id optional: the consumer relies on it
	}
	all := []string{"safe", "backward-break", "forward-break", "drops-a", "consumer-break"}
	refused := map[compat.Mode][]string{
		compat.None:               nil,
		compat.Backward:           {"backward-break", "drops-a", "consumer-break"},
		compat.BackwardTransitive: {"backward-break", "drops-a", "consumer-break"},
		compat.Forward:            {"forward-break", "consumer-break"},
		compat.ForwardTransitive:  all, // v2 itself is not forward-compatible with v1
		compat.Full:               {"backward-break", "forward-break", "drops-a", "consumer-break"},
		compat.FullTransitive:     all,
	}
	for _, mode := range compat.Modes {
		for _, name := range all {
			t.Run(string(mode)+"/"+name, func(t *testing.T) {
				t.Parallel()
				reg := newRegistrar(t)
				if _, err := reg.SetConfig(ctx, "", registry.Config{Mode: compat.None}); err != nil {
					t.Fatal(err)
				}
				register(t, reg, "order", registry.Relation{Subject: subject, Kind: registry.Produces})
				register(t, reg, "payment", registry.Relation{Subject: subject, Kind: registry.Consumes, Contract: readsID})
				publish(t, reg, subject, v1)
				publish(t, reg, subject, v2)
				if _, err := reg.SetConfig(ctx, subject, registry.Config{Mode: mode}); err != nil {
					t.Fatal(err)
				}
				res, err := reg.CheckManifest(ctx, registry.ManifestCheck{Name: "order", Relations: []registry.ManifestRelation{
					{Kind: registry.Produces, Subject: subject, Schema: proposals[name], File: "order-placed.json"}}})
				if err != nil {
					t.Fatal(err)
				}
				_, err = reg.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: proposals[name]})
				if err != nil && registry.ErrorKind(err) != registry.KindIncompatible {
					t.Fatal(err)
				}
				wantRefused := false
				for _, r := range refused[mode] {
					wantRefused = wantRefused || r == name
				}
				if gotRefused := err != nil; gotRefused != wantRefused {
					t.Errorf("publish refused = %v (%v), want %v", gotRefused, err, wantRefused)
				}
				if fails := res.Fails(report.FailBreaking); fails != (err != nil) {
					t.Errorf("check fails = %v but publish refused = %v (%v); check items: %+v", fails, err != nil, err, res.Items)
				}
			})
		}
	}
}

// TestCheckManifestContractsAgreeWithRegistration: under every mode the
// dry run of a consumer's manifest fails exactly when registering its new
// contract is refused, and it skips the check under NONE as registration
// does.
func TestCheckManifestContractsAgreeWithRegistration(t *testing.T) {
	t.Parallel()
	const subject = "OrderPlaced"
	readsA := `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}` // v1 does not guarantee a
	for _, mode := range compat.Modes {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			reg := newRegistrar(t)
			publish(t, reg, subject, closedObject("v1", []string{"id", "a"}, "id"))
			if _, err := reg.SetConfig(ctx, subject, registry.Config{Mode: mode}); err != nil {
				t.Fatal(err)
			}
			m := registry.ManifestCheck{Name: "payment", Relations: []registry.ManifestRelation{
				{Kind: registry.Consumes, Subject: subject, Contract: readsA, File: "contract.json"}}}
			res, err := reg.CheckManifest(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			_, err = reg.RegisterService(ctx, m.Service(), false)
			if err != nil && registry.ErrorKind(err) != registry.KindIncompatible {
				t.Fatal(err)
			}
			if wantRefused := mode != compat.None; (err != nil) != wantRefused {
				t.Errorf("registration refused = %v (%v), want %v", err != nil, err, wantRefused)
			}
			if fails := res.Fails(report.FailBreaking); fails != (err != nil) {
				t.Errorf("check fails = %v but registration refused = %v; items: %+v", fails, err != nil, res.Items)
			}
			if mode == compat.None && !strings.Contains(res.Items[0].Note, "NONE") {
				t.Errorf("under NONE the contract item says %q, want why it was not checked", res.Items[0].Note)
			}
		})
	}
}
