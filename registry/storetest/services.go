package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/google/go-cmp/cmp"
)

func svc(t *testing.T, name, owner string, rels ...registry.Relation) registry.Service {
	t.Helper()
	si := registry.Service{Name: name, Owner: owner, Relations: rels}
	if err := si.Validate(); err != nil {
		t.Fatal(err)
	}
	return si
}

func names(sis []registry.Service) []string {
	out := []string{}
	for _, si := range sis {
		out = append(out, si.Name)
	}
	return out
}

// relatedServices reads the relation index of subject as service names,
// checking that each entry is the service's stored relation.
func relatedServices(t *testing.T, s registry.Store, subject string) ([]registry.Service, error) {
	t.Helper()
	ctx := ctxFor(t)
	srs, err := s.RelationsBySubject(ctx, subject)
	if err != nil {
		return nil, err
	}
	var out []registry.Service
	for i, sr := range srs {
		if i > 0 && srs[i-1].Service > sr.Service {
			t.Errorf("RelationsBySubject(%s) not sorted by service: %v", subject, srs)
		}
		si, err := s.GetService(ctx, sr.Service)
		if err != nil {
			return nil, err
		}
		found := false
		for _, r := range si.Relations {
			found = found || cmp.Equal(r, sr.Relation)
		}
		if !found {
			t.Errorf("index entry %+v is not a relation of %+v", sr, si)
		}
		out = append(out, si)
	}
	return out, nil
}

func services(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	order := svc(t, "order", "team-orders", registry.Relation{Subject: "OrderPlaced", Kind: registry.Produces})
	payment := svc(t, "payment", "team-pay",
		registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: `{"properties":{"customerId":{}}}`, ContractFingerprint: "fp1", ContractVersion: 1},
		registry.Relation{Subject: "OrderPlacedV2", Kind: registry.Consumes, Version: 3, Pinned: true},
		registry.Relation{Subject: "ChargePayment", Kind: registry.Handles})
	for _, si := range []registry.Service{payment, order} {
		if err := s.PutService(ctx, si, nil); err != nil {
			t.Fatalf("PutService(%s): %v", si.Name, err)
		}
	}
	got, err := s.GetService(ctx, "payment")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(payment, got); d != "" {
		t.Errorf("GetService (-want +got):\n%s", d)
	}
	all, err := s.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]registry.Service{order, payment}, all); d != "" {
		t.Errorf("Services (-want +got):\n%s", d)
	}
	for subject, want := range map[string][]string{
		"OrderPlaced":   {"order", "payment"},
		"OrderPlacedV2": {"payment"}, // a subject that extends another one's name
		"ChargePayment": {"payment"},
		"Order":         {},
		"Nothing":       {},
	} {
		got, err := relatedServices(t, s, subject)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, names(got)); d != "" {
			t.Errorf("ServicesBySubject(%s) (-want +got):\n%s", subject, d)
		}
	}
	if err := s.DeleteService(ctx, "payment"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetService(ctx, "payment")
	wantErr(t, "GetService after delete", err, registry.ErrServiceNotFound("payment"))
	wantErr(t, "DeleteService twice", s.DeleteService(ctx, "payment"), registry.ErrServiceNotFound("payment"))
	if got, err := relatedServices(t, s, "OrderPlaced"); err != nil || !cmp.Equal(names(got), []string{"order"}) {
		t.Errorf("ServicesBySubject after delete = %v, %v; want [order]", names(got), err)
	}
	if got, err := relatedServices(t, s, "ChargePayment"); err != nil || len(got) != 0 {
		t.Errorf("ServicesBySubject(ChargePayment) after delete = %v, %v; want none", names(got), err)
	}
}

// serviceIndexFollowsReplace: replacing a record drops the index entries of
// relations it no longer has and adds the new ones.
func serviceIndexFollowsReplace(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	v1 := svc(t, "shipping", "", registry.Relation{Subject: "A", Kind: registry.Consumes}, registry.Relation{Subject: "B", Kind: registry.Consumes})
	v2 := svc(t, "shipping", "team-ship", registry.Relation{Subject: "B", Kind: registry.Consumes, Version: 2}, registry.Relation{Subject: "C", Kind: registry.Sends})
	for _, si := range []registry.Service{v1, v2, v2} { // the second v2 is idempotent
		if err := s.PutService(ctx, si, nil); err != nil {
			t.Fatal(err)
		}
	}
	for subject, want := range map[string][]string{"A": {}, "B": {"shipping"}, "C": {"shipping"}} {
		got, err := relatedServices(t, s, subject)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, names(got)); d != "" {
			t.Errorf("ServicesBySubject(%s) (-want +got):\n%s", subject, d)
		}
	}
	got, err := s.GetService(ctx, "shipping")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(v2, got); d != "" {
		t.Errorf("GetService (-want +got):\n%s", d)
	}
}

// concurrentServices: parallel puts of different services relating to one
// subject all land in the index.
func concurrentServices(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			si := registry.Service{Name: fmt.Sprintf("svc-%02d", i), Relations: []registry.Relation{{Subject: "Hot", Kind: registry.Consumes}}}
			errs <- s.PutService(ctx, si, nil)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := relatedServices(t, s, "Hot")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("ServicesBySubject(Hot) = %d services, want %d", len(got), n)
	}
	for i, si := range got {
		if want := fmt.Sprintf("svc-%02d", i); si.Name != want {
			t.Errorf("service %d = %s, want %s (sorted)", i, si.Name, want)
		}
	}
}

// claimRule: a restricted writer's PutService takes a subject only if
// nobody owns it or one of the writer's services does; consumers do not
// own; an unrestricted writer (nil) is not checked.
func claimRule(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	put := func(name string, writer []string, rels ...registry.Relation) error {
		return s.PutService(ctx, svc(t, name, "", rels...), writer)
	}
	produces := registry.Relation{Subject: "Orders", Kind: registry.Produces}
	if err := put("reader", []string{"reader"}, registry.Relation{Subject: "Orders", Kind: registry.Consumes}); err != nil {
		t.Fatalf("consumer of an unowned subject: %v", err)
	}
	if err := put("orders", []string{"orders"}, produces); err != nil {
		t.Fatalf("claim of a subject only consumed: %v", err)
	}
	if err := put("orders", []string{"orders"}, produces, registry.Relation{Subject: "Refunds", Kind: registry.Handles}); err != nil {
		t.Fatalf("owner re-registering: %v", err)
	}
	err := put("rogue", []string{"rogue"}, registry.Relation{Subject: "Refunds", Kind: registry.Handles})
	if registry.ErrorKind(err) != registry.KindForbidden || !strings.Contains(err.Error(), "owned by service orders") {
		t.Fatalf("claim of a subject owned elsewhere = %v, want 403 naming orders", err)
	}
	if _, err := s.GetService(ctx, "rogue"); registry.ErrorKind(err) != registry.KindNotFound {
		t.Errorf("refused claim stored the service: %v", err)
	}
	if err := put("partner", []string{"partner", "orders"}, produces); err != nil {
		t.Errorf("writer for a co-owner: %v", err)
	}
	if err := put("admin-made", nil, produces); err != nil {
		t.Errorf("unrestricted writer: %v", err)
	}
}

// concurrentClaims: two restricted writers for different services claim
// the same unowned subject at once, 200 times: exactly one wins each time,
// the other gets 403 and nothing of it is stored.
func concurrentClaims(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	const trials = 200
	double := 0
	for i := range trials {
		subject := fmt.Sprintf("Claimed%03d", i)
		names := []string{fmt.Sprintf("a%03d", i), fmt.Sprintf("b%03d", i)}
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for j, name := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				si := svc(t, name, "", registry.Relation{Subject: subject, Kind: registry.Produces})
				<-start
				errs[j] = s.PutService(ctx, si, []string{name})
			}()
		}
		close(start)
		wg.Wait()
		srs, err := s.RelationsBySubject(ctx, subject)
		if err != nil {
			t.Fatal(err)
		}
		if len(srs) != 1 {
			double++
			t.Errorf("trial %d: %d owners %v (errors %v), want 1", i, len(srs), srs, errs)
			continue
		}
		for j, err := range errs {
			won := names[j] == srs[0].Service
			if won != (err == nil) || !won && registry.ErrorKind(err) != registry.KindForbidden {
				t.Errorf("trial %d: %s (owner %s) got %v", i, names[j], srs[0].Service, err)
			}
		}
	}
	if double > 0 {
		t.Errorf("%d of %d trials ended with two owners", double, trials)
	}
}
