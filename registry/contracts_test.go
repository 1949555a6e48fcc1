package registry_test

import (
	"testing"

	"github.com/batonhq/baton/registry"
)

// TestContractHistory: every change of a service's contract text makes a
// new, listable contract version; unchanged re-registrations add nothing;
// a service deleted and registered again continues its numbering.
func TestContractHistory(t *testing.T) {
	t.Parallel()
	svc := newRegistrar(t)
	register(t, svc, "order", registry.Relation{Subject: "OrderPlaced", Kind: registry.Produces})
	publish(t, svc, "OrderPlaced", orderV1)
	consume := func(contract string) registry.Service {
		return register(t, svc, "payment",
			registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: contract},
			registry.Relation{Subject: "ChargePayment", Kind: registry.Handles})
	}
	history := func() []string {
		t.Helper()
		cvs, err := svc.ContractVersions(ctx, "payment", "OrderPlaced")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for i, cv := range cvs {
			if cv.Service != "payment" || cv.Subject != "OrderPlaced" || cv.Kind != registry.Consumes || cv.Version != i+1 ||
				cv.Fingerprint == "" || cv.Registered.IsZero() || cv.Registered.Location().String() != "UTC" {
				t.Errorf("version %d = %+v", i+1, cv)
			}
			out = append(out, cv.Contract)
		}
		return out
	}
	steps := []struct {
		name     string
		contract string
		delete   bool // delete the service first
		version  int
		history  []string
	}{
		{"first", readsOrderID, false, 1, []string{readsOrderID}},
		{"unchanged", readsOrderID, false, 1, []string{readsOrderID}},
		{"changed", readsCustomer, false, 2, []string{readsOrderID, readsCustomer}},
		{"back to the first text is a change too", readsOrderID, false, 3, []string{readsOrderID, readsCustomer, readsOrderID}},
		{"deleted and registered again unchanged", readsOrderID, true, 3, []string{readsOrderID, readsCustomer, readsOrderID}},
		{"deleted and registered again changed", readsCustomer, true, 4, []string{readsOrderID, readsCustomer, readsOrderID, readsCustomer}},
	}
	for _, st := range steps {
		if st.delete {
			if err := svc.DeleteService(ctx, "payment"); err != nil {
				t.Fatal(err)
			}
		}
		si := consume(st.contract)
		var got int
		for _, r := range si.Relations {
			if r.Kind == registry.Consumes {
				got = r.ContractVersion
			}
		}
		if got != st.version {
			t.Errorf("%s: contract version %d, want %d", st.name, got, st.version)
		}
		if h := history(); len(h) != len(st.history) {
			t.Errorf("%s: history has %d versions, want %d", st.name, len(h), len(st.history))
		} else {
			for i := range h {
				if h[i] != st.history[i] {
					t.Errorf("%s: version %d = %s, want %s", st.name, i+1, h[i], st.history[i])
				}
			}
		}
	}
	// Another subject, another service: separate histories.
	if cvs, err := svc.ContractVersions(ctx, "payment", "ChargePayment"); err != nil || len(cvs) != 0 {
		t.Errorf("history of an owned message = %v, %v; want empty", cvs, err)
	}
	_, err := svc.ContractVersions(ctx, "ghost", "OrderPlaced")
	wantCode(t, "unknown service", err, registry.CodeServiceNotFound)
	_, err = svc.ContractVersions(ctx, "bad name!", "OrderPlaced")
	wantCode(t, "bad service name", err, registry.CodeInvalidRequest)
}

// TestContractHistoryNotWrittenOnRefusal: a contract that the current
// schema does not satisfy is refused and leaves no history entry; forced,
// it is stored.
func TestContractHistoryNotWrittenOnRefusal(t *testing.T) {
	t.Parallel()
	svc := newRegistrar(t)
	publish(t, svc, "OrderPlaced", orderOptionalCustomer)
	si := registry.Service{Name: "payment", Relations: []registry.Relation{{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: readsCustomer}}}
	_, err := svc.RegisterService(ctx, si, false)
	wantCode(t, "contract relying on an optional field", err, registry.CodeIncompatible)
	if _, err := svc.ContractVersions(ctx, "payment", "OrderPlaced"); registry.ErrorKind(err) != registry.KindNotFound {
		t.Errorf("refused registration left a service: %v", err)
	}
	if _, err := svc.RegisterService(ctx, si, true); err != nil {
		t.Fatal(err)
	}
	cvs, err := svc.ContractVersions(ctx, "payment", "OrderPlaced")
	if err != nil || len(cvs) != 1 || cvs[0].Contract != readsCustomer {
		t.Errorf("forced registration history = %+v, %v", cvs, err)
	}
}
