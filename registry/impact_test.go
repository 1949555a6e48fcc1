package registry_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/google/go-cmp/cmp"
)

const (
	orderV1 = `{"type":"object","additionalProperties":false,"required":["orderId","customerId","total"],"properties":{
		"orderId":{"type":"string"},"customerId":{"type":"string"},"total":{"type":"number"},"discount":{"type":"number"}}}`
	// Producer schemas are closed: a version that stops writing a field is
	// then compatible with readers of the old one.
	// v2 renames customerId and drops discount.
	orderRenamed = `{"type":"object","additionalProperties":false,"required":["orderId","customer","total"],"properties":{
		"orderId":{"type":"string"},"customer":{"type":"string"},"total":{"type":"number"}}}`
	// v2 drops only discount (read by nobody).
	orderNoDiscount = `{"type":"object","additionalProperties":false,"required":["orderId","customerId","total"],"properties":{
		"orderId":{"type":"string"},"customerId":{"type":"string"},"total":{"type":"number"}}}`

	// v2 makes customerId optional: BACKWARD-compatible, but consumers that
	// rely on it break.
	orderOptionalCustomer = `{"type":"object","additionalProperties":false,"required":["orderId","total"],"properties":{
		"orderId":{"type":"string"},"customerId":{"type":"string"},"total":{"type":"number"},"discount":{"type":"number"}}}`

	readsCustomer = `{"type":"object","required":["orderId","customerId"],"properties":{"orderId":{"type":"string"},"customerId":{"type":"string"}}}`
	readsOrderID  = `{"type":"object","required":["orderId"],"properties":{"orderId":{"type":"string"}}}`
)

func register(t *testing.T, svc *registry.Registrar, name string, rels ...registry.Relation) registry.Service {
	t.Helper()
	si, err := svc.RegisterService(ctx, registry.Service{Name: name, Owner: "team-" + name, Relations: rels}, false)
	if err != nil {
		t.Fatalf("RegisterService(%s): %v", name, err)
	}
	return si
}

func impactNames(rep registry.ImpactReport) (impacted, safe []string) {
	impacted, safe = []string{}, []string{}
	for _, is := range rep.Impacted {
		impacted = append(impacted, is.Service)
	}
	for _, s := range rep.Safe {
		safe = append(safe, s.Service)
	}
	return impacted, safe
}

func eventEstate(t *testing.T) *registry.Registrar {
	svc := newRegistrar(t)
	register(t, svc, "order", registry.Relation{Subject: "OrderPlaced", Kind: registry.Produces})
	publish(t, svc, "OrderPlaced", orderV1)
	register(t, svc, "payment", registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: readsCustomer})
	register(t, svc, "inventory", registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: readsOrderID})
	register(t, svc, "audit", registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes}) // reads v1, no contract
	return svc
}

func TestImpactEvent(t *testing.T) {
	svc := eventEstate(t)
	rep, err := svc.Impact(ctx, "OrderPlaced", orderRenamed)
	if err != nil {
		t.Fatal(err)
	}
	impacted, safe := impactNames(rep)
	if rep.Kind != registry.Event || !cmp.Equal(impacted, []string{"audit", "payment"}) || !cmp.Equal(safe, []string{"inventory"}) {
		t.Fatalf("kind %s impacted %v safe %v; want event [audit payment] [inventory]", rep.Kind, impacted, safe)
	}
	for _, is := range rep.Impacted {
		if is.Role != "consumes" || len(is.Findings) == 0 {
			t.Fatalf("%s: role %s findings %v", is.Service, is.Role, is.Findings)
		}
		// The witness is a document the new schema accepts and the
		// consumer's reader rejects.
		f := is.Findings[0]
		if len(f.Example) == 0 {
			t.Fatalf("%s: finding %s has no witness", is.Service, f.Rule)
		}
		reader := map[string]string{"payment": readsCustomer, "audit": orderV1}[is.Service]
		doc, err := compat.DecodeJSON(f.Example)
		if err != nil {
			t.Fatal(err)
		}
		if compat.MustCompile(orderRenamed).Validate(doc) != nil || compat.MustCompile(reader).Validate(doc) == nil {
			t.Errorf("%s: witness %s does not separate writer and reader", is.Service, f.Example)
		}
	}

	rep, err = svc.Impact(ctx, "OrderPlaced", orderNoDiscount)
	if err != nil {
		t.Fatal(err)
	}
	impacted, safe = impactNames(rep)
	if len(impacted) != 0 || !cmp.Equal(safe, []string{"audit", "inventory", "payment"}) {
		t.Fatalf("dropping discount: impacted %v safe %v", impacted, safe)
	}
	for _, s := range rep.Safe {
		if s.Service == "payment" && s.Reason != "its contract does not read `discount`" {
			t.Errorf("payment reason = %q", s.Reason)
		}
		if s.Service == "audit" && !strings.Contains(s.Reason, "version 1") {
			t.Errorf("audit reason = %q", s.Reason)
		}
	}
}

func TestPublishRefusedWhenItBreaksConsumers(t *testing.T) {
	svc := eventEstate(t)
	// BACKWARD (the default) accepts making customerId optional; payment
	// and audit rely on it.
	_, err := svc.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: orderOptionalCustomer})
	e := wantCode(t, "breaking publish", err, registry.CodeIncompatible)
	if e.Kind != registry.KindIncompatible || len(e.Impacted) != 2 || e.Impacted[0].Service != "audit" || e.Impacted[1].Service != "payment" {
		t.Fatalf("impacted = %+v", e.Impacted)
	}
	if !strings.Contains(e.Message, "payment (consumes)") || len(e.Findings) == 0 {
		t.Errorf("message %q does not name payment, or no findings", e.Message)
	}
	if got := versions(t, svc, "OrderPlaced"); !cmp.Equal(got, []int{1}) {
		t.Fatalf("versions after refused publish = %v", got)
	}
	// force lands it.
	sv, err := svc.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: orderOptionalCustomer, Force: true})
	if err != nil || sv.Version.Version != 2 {
		t.Fatalf("forced publish = %v, %v", sv.Version, err)
	}
}

func TestPublishModeNoneSkipsDependents(t *testing.T) {
	svc := eventEstate(t)
	if _, err := svc.SetConfig(ctx, "OrderPlaced", registry.Config{Mode: compat.None, Policy: compat.Strict}); err != nil {
		t.Fatal(err)
	}
	publish(t, svc, "OrderPlaced", orderOptionalCustomer)
}

const (
	chargeV1 = `{"type":"object","required":["orderId","amount"],"properties":{
		"orderId":{"type":"string"},"amount":{"type":"number","minimum":0},"currency":{"type":"string"}}}`
	// tightened: currency required, amount capped.
	chargeTight = `{"type":"object","required":["orderId","amount","currency"],"properties":{
		"orderId":{"type":"string"},"amount":{"type":"number","minimum":0,"maximum":1000},"currency":{"type":"string"}}}`
	// widened: amount may be 0 or more, with an optional note.
	chargeWide = `{"type":"object","required":["orderId","amount"],"properties":{
		"orderId":{"type":"string"},"amount":{"type":"number"},"currency":{"type":"string"},"note":{"type":"string"}}}`
	orchestratorSends = `{"type":"object","additionalProperties":false,"required":["orderId","amount"],"properties":{
		"orderId":{"type":"string"},"amount":{"type":"number","minimum":0}}}`
)

func TestImpactCommand(t *testing.T) {
	svc := newRegistrar(t)
	register(t, svc, "payment", registry.Relation{Subject: "ChargePayment", Kind: registry.Handles})
	publish(t, svc, "ChargePayment", chargeV1)
	register(t, svc, "orchestrator", registry.Relation{Subject: "ChargePayment", Kind: registry.Sends, Contract: orchestratorSends})
	rep, err := svc.Impact(ctx, "ChargePayment", chargeTight)
	if err != nil {
		t.Fatal(err)
	}
	impacted, safe := impactNames(rep)
	if rep.Kind != registry.Command || !cmp.Equal(impacted, []string{"orchestrator"}) || len(safe) != 0 {
		t.Fatalf("tight: kind %s impacted %v safe %v", rep.Kind, impacted, safe)
	}
	rules := map[string]bool{}
	for _, f := range rep.Impacted[0].Findings {
		rules[f.Rule] = true
	}
	if !rules["required-property-added"] || !rules["maximum-decreased"] {
		b, _ := json.Marshal(rep.Impacted[0].Findings)
		t.Errorf("findings %s; want required-property-added and maximum-decreased", b)
	}
	rep, err = svc.Impact(ctx, "ChargePayment", chargeWide)
	if err != nil {
		t.Fatal(err)
	}
	if impacted, safe := impactNames(rep); len(impacted) != 0 || !cmp.Equal(safe, []string{"orchestrator"}) {
		t.Fatalf("wide: impacted %v safe %v", impacted, safe)
	}
}

func TestRegisterServiceIdempotentAndVersioned(t *testing.T) {
	svc := eventEstate(t)
	first, err := svc.GetService(ctx, "payment")
	if err != nil {
		t.Fatal(err)
	}
	again := register(t, svc, "payment", registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: readsCustomer})
	if d := cmp.Diff(first, again); d != "" || again.Relations[0].ContractVersion != 1 {
		t.Fatalf("re-register changed the record (-first +again):\n%s", d)
	}
	changed := register(t, svc, "payment", registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: readsOrderID})
	if changed.Relations[0].ContractVersion != 2 {
		t.Errorf("contract version after a change = %d, want 2", changed.Relations[0].ContractVersion)
	}
	// The unpinned consumer keeps the version current when it registered.
	if _, err := svc.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: orderOptionalCustomer, Force: true}); err != nil {
		t.Fatal(err)
	}
	audit := register(t, svc, "audit", registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes})
	if audit.Relations[0].Version != 1 || audit.Relations[0].Pinned {
		t.Errorf("audit relation = %+v, want version 1 unpinned", audit.Relations[0])
	}
	pinned := register(t, svc, "pinned", registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes, Version: 2})
	if !pinned.Relations[0].Pinned || pinned.Relations[0].Version != 2 {
		t.Errorf("pinned relation = %+v", pinned.Relations[0])
	}
	all, err := svc.Services(ctx)
	if err != nil || len(all) != 5 {
		t.Fatalf("Services = %d, %v", len(all), err)
	}
	if err := svc.DeleteService(ctx, "pinned"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "GetService(pinned)", func() error { _, err := svc.GetService(ctx, "pinned"); return err }(), registry.CodeServiceNotFound)
}

func TestContractCheckedAgainstCurrentSchema(t *testing.T) {
	svc := eventEstate(t)
	// A consumer that starts relying on a field the producer does not
	// guarantee is refused (consumer-driven contract testing).
	greedy := `{"type":"object","required":["coupon"],"properties":{"coupon":{"type":"string"}}}`
	_, err := svc.RegisterService(ctx, registry.Service{Name: "marketing", Relations: []registry.Relation{{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: greedy}}}, false)
	e := wantCode(t, "greedy contract", err, registry.CodeIncompatible)
	if len(e.Impacted) != 1 || e.Impacted[0].Service != "marketing" || len(e.Findings) == 0 {
		t.Fatalf("error = %+v", e)
	}
	if _, err := svc.GetService(ctx, "marketing"); registry.ErrorKind(err) != registry.KindNotFound {
		t.Fatalf("refused service was stored: %v", err)
	}
	// A sender contract that writes what the handler rejects is refused.
	register(t, svc, "payment-handler", registry.Relation{Subject: "ChargePayment", Kind: registry.Handles})
	publish(t, svc, "ChargePayment", chargeTight)
	_, err = svc.RegisterService(ctx, registry.Service{Name: "orchestrator", Relations: []registry.Relation{{Subject: "ChargePayment", Kind: registry.Sends, Contract: orchestratorSends}}}, false)
	wantCode(t, "sender contract", err, registry.CodeIncompatible)
	// force registers it anyway.
	if _, err := svc.RegisterService(ctx, registry.Service{Name: "orchestrator", Relations: []registry.Relation{{Subject: "ChargePayment", Kind: registry.Sends, Contract: orchestratorSends}}}, true); err != nil {
		t.Fatal(err)
	}
	// An invalid contract is 422.
	_, err = svc.RegisterService(ctx, registry.Service{Name: "bad", Relations: []registry.Relation{{Subject: "X", Kind: registry.Consumes, Contract: `{"type":12}`}}}, false)
	wantCode(t, "invalid contract", err, registry.CodeInvalidSchema)
	// An invalid name is 422 too.
	_, err = svc.RegisterService(ctx, registry.Service{Name: "a b"}, false)
	wantCode(t, "invalid name", err, registry.CodeInvalidRequest)
}

func TestImpactUnrelatedSubject(t *testing.T) {
	svc := newRegistrar(t)
	rep, err := svc.Impact(ctx, "Nobody", `{"type":"object"}`)
	if err != nil || rep.Kind != "" || len(rep.Impacted)+len(rep.Safe) != 0 {
		t.Fatalf("rep = %+v, %v", rep, err)
	}
	_, err = svc.Impact(ctx, "Nobody", `{"type":`)
	wantCode(t, "invalid proposal", err, registry.CodeInvalidSchema)
}

// TestImpactThroughCurrentVersion: a proposal that writes nothing the
// current version does not is judged through the current version's
// verdicts, but a consumer already broken by the current version (a forced
// publish) must still be reported.
func TestImpactThroughCurrentVersion(t *testing.T) {
	svc := eventEstate(t)
	if _, err := svc.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: orderOptionalCustomer, Force: true}); err != nil {
		t.Fatal(err)
	}
	same := strings.Replace(orderOptionalCustomer, `"type":"object"`, `"type":"object","title":"v3"`, 1)
	rep, err := svc.Impact(ctx, "OrderPlaced", same)
	if err != nil {
		t.Fatal(err)
	}
	impacted, safe := impactNames(rep)
	if !cmp.Equal(impacted, []string{"audit", "payment"}) || !cmp.Equal(safe, []string{"inventory"}) {
		t.Fatalf("impacted %v safe %v; want [audit payment] [inventory]", impacted, safe)
	}
	// A proposal narrower than the current version and than v1.
	narrow := strings.Replace(orderV1, `"orderId":{"type":"string"}`, `"orderId":{"type":"string","minLength":3}`, 1)
	if rep, err = svc.Impact(ctx, "OrderPlaced", narrow); err != nil {
		t.Fatal(err)
	}
	if impacted, safe := impactNames(rep); len(impacted) != 0 || len(safe) != 3 {
		t.Fatalf("narrow: impacted %v safe %v", impacted, safe)
	}
}

// TestForcedPublishIsLogged: force lands a breaking version; the result
// says which services it overrode and the log records them.
func TestForcedPublishIsLogged(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	svc := registry.NewRegistrar(newStore(t), registry.Options{Logger: slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, nil))})
	register(t, svc, "order", registry.Relation{Subject: "OrderPlaced", Kind: registry.Produces})
	publish(t, svc, "OrderPlaced", orderV1)
	register(t, svc, "payment", registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: readsCustomer})
	sv, err := svc.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: orderOptionalCustomer, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if f := sv.Forced; f == nil || f.Overridden != 1 || len(f.Impacted) != 1 || f.Impacted[0].Service != "payment" || len(f.Impacted[0].Findings) == 0 {
		t.Fatalf("forced publish result = %+v, want payment overridden with findings", sv.Forced)
	}
	// Publishing the same schema again is idempotent and overrides nothing.
	again, err := svc.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: orderOptionalCustomer, Force: true})
	if err != nil || again.Version.Version != sv.Version.Version || again.Forced != nil {
		t.Fatalf("re-publish = %+v, %v; want version %d and no override", again, err, sv.Version.Version)
	}
	// Force on a publish that breaks nobody overrides nothing.
	quiet := publishForced(t, svc, "Quiet", orderV1)
	if quiet.Forced != nil {
		t.Fatalf("forced publish without dependents = %+v; want no override", quiet.Forced)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"forced publish breaks registered services","subject":"OrderPlaced","impacted":"payment (consumes)","overridden":1,"version":2`) {
		t.Fatalf("no record of the forced publish in:\n%s", logs.String())
	}
	if n := strings.Count(logs.String(), "forced publish"); n != 1 {
		t.Errorf("%d forced-publish records, want 1:\n%s", n, logs.String())
	}
}

func publishForced(t *testing.T, svc *registry.Registrar, subject, schema string) registry.SubjectVersion {
	t.Helper()
	sv, err := svc.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: schema, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestPinnedVersionMustExist(t *testing.T) {
	svc := eventEstate(t) // OrderPlaced has version 1
	_, err := svc.RegisterService(ctx, registry.Service{Name: "typo", Relations: []registry.Relation{{Subject: "OrderPlaced", Kind: registry.Consumes, Version: 7}}}, false)
	wantCode(t, "pin to a missing version", err, registry.CodeInvalidVersion)
	// A subject with no version yet may be pinned ahead of its publish.
	register(t, svc, "early", registry.Relation{Subject: "NotYetPublished", Kind: registry.Consumes, Version: 1})
}

// TestImpactSharedContracts: consumers that share a contract text, or read
// the same version without one, are each reported (their pair is checked
// once), with findings of their own; a proposal impacted again answers the
// same from the verdict memo.
func TestImpactSharedContracts(t *testing.T) {
	t.Parallel()
	svc := newRegistrar(t)
	register(t, svc, "order", registry.Relation{Subject: "OrderPlaced", Kind: registry.Produces})
	publish(t, svc, "OrderPlaced", orderV1)
	var wantImpacted, wantSafe []string
	for i := range 12 {
		name := fmt.Sprintf("c%02d", i)
		r := registry.Relation{Subject: "OrderPlaced", Kind: registry.Consumes}
		switch i % 3 {
		case 0:
			r.Contract = readsCustomer // breaks on orderOptionalCustomer
			wantImpacted = append(wantImpacted, name)
		case 1:
			r.Contract = readsOrderID
			wantSafe = append(wantSafe, name)
		default: // no contract: reads version 1, which requires customerId
			wantImpacted = append(wantImpacted, name)
		}
		register(t, svc, name, r)
	}
	var first registry.ImpactReport
	for round := range 3 {
		rep, err := svc.Impact(ctx, "OrderPlaced", orderOptionalCustomer)
		if err != nil {
			t.Fatal(err)
		}
		impacted, safe := impactNames(rep)
		if !cmp.Equal(impacted, wantImpacted) || !cmp.Equal(safe, wantSafe) {
			t.Fatalf("round %d: impacted %v safe %v; want %v and %v", round, impacted, safe, wantImpacted, wantSafe)
		}
		for _, is := range rep.Impacted {
			if len(is.Findings) == 0 || is.Findings[0].Example == nil {
				t.Fatalf("round %d: %s impacted without a finding and witness: %+v", round, is.Service, is)
			}
		}
		if round == 0 {
			first = rep
			// Findings are the caller's: changing one service's must not
			// change another's, nor the next answer.
			rep.Impacted[0].Findings[0].Message = "changed"
			if rep.Impacted[2].Service != "c03" || rep.Impacted[2].Findings[0].Message == "changed" {
				t.Fatalf("c00 and c03 share a contract and their findings: %+v", rep.Impacted[2])
			}
			continue
		}
		if rep.Impacted[1].Findings[0].Message == "changed" || rep.Impacted[0].Findings[0].Message == "changed" {
			t.Fatalf("round %d: findings alias an earlier answer", round)
		}
		if d := cmp.Diff(first.Impacted[1:], rep.Impacted[1:]); d != "" {
			t.Errorf("round %d differs (-first +now):\n%s", round, d)
		}
	}
}
