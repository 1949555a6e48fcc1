package registry_test

import (
	"strings"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
)

// estate builds a small event estate: OrderPlaced (mode FORWARD, so a
// producer may require a new field) produced by orders and read by
// notification's contract.
type estate struct {
	t   *testing.T
	reg *registry.Registrar
}

func newEstate(t *testing.T) *estate { return newEstateWith(t, registry.Options{}) }

func newEstateWith(t *testing.T, opts registry.Options) *estate {
	e := &estate{t: t, reg: registry.NewRegistrar(newStore(t), opts)}
	if _, err := e.reg.SetConfig(ctx, "OrderPlaced", registry.Config{Mode: compat.Forward}); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"dev", "prod"} {
		if _, err := e.reg.CreateEnvironment(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

const (
	placedV1 = `{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"]}`
	placedV2 = `{"type":"object","properties":{"orderId":{"type":"string"},"coupon":{"type":"string"}},"required":["orderId","coupon"]}`
	readsID  = `{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"]}`
	readsCp  = `{"type":"object","properties":{"orderId":{"type":"string"},"coupon":{"type":"string"}},"required":["orderId","coupon"]}`
)

// producer registers orders producing OrderPlaced with schema and records
// it as version v.
func (e *estate) producer(service, subject, schema, v string) {
	e.t.Helper()
	if _, err := e.reg.RegisterService(ctx, registry.Service{Name: service, Relations: []registry.Relation{{Subject: subject, Kind: registry.Produces}}}, false); err != nil {
		e.t.Fatal(err)
	}
	pv := publish(e.t, e.reg, subject, schema)
	if _, err := e.reg.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: service, Version: v, Subjects: map[string]int{subject: pv.Version.Version}}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *estate) consumer(service, subject, contract, v string, force bool) {
	e.t.Helper()
	if _, err := e.reg.RegisterService(ctx, registry.Service{Name: service, Relations: []registry.Relation{{Subject: subject, Kind: registry.Consumes, Contract: contract}}}, force); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.reg.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: service, Version: v}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *estate) deploy(env, service, v string, keep bool) {
	e.t.Helper()
	if _, err := e.reg.RecordDeployment(ctx, env, registry.ServiceRef{Service: service, Version: v}, keep); err != nil {
		e.t.Fatal(err)
	}
}

func (e *estate) can(env string, refs ...registry.ServiceRef) registry.DeployReport {
	e.t.Helper()
	rep, err := e.reg.CanIDeploy(ctx, env, refs)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

func ref(s, v string) registry.ServiceRef { return registry.ServiceRef{Service: s, Version: v} }

func TestRecordServiceVersion(t *testing.T) {
	e := newEstate(t)
	e.producer("orders", "OrderPlaced", placedV1, "a1")
	got, err := e.reg.GetServiceVersion(ctx, "orders", "a1")
	if err != nil || len(got.Relations) != 1 || got.Relations[0].Version != 1 || got.Relations[0].SchemaID == 0 {
		t.Fatalf("GetServiceVersion = %+v, %v; want OrderPlaced version 1 with its schema id", got, err)
	}
	// Same content again: idempotent.
	if _, err := e.reg.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "orders", Version: "a1"}); err != nil {
		t.Fatalf("re-record: %v", err)
	}
	publish(t, e.reg, "OrderPlaced", placedV2)
	_, err = e.reg.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "orders", Version: "a1"})
	wantCode(t, "other content", err, registry.CodeServiceVersionConflict)
	forced, err := e.reg.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "orders", Version: "a1", Force: true})
	if err != nil || forced.Relations[0].Version != 2 {
		t.Fatalf("forced = %+v, %v; want version 2", forced, err)
	}
	for _, tc := range []struct {
		name string
		req  registry.RecordVersionRequest
		code int
	}{
		{"unknown service", registry.RecordVersionRequest{Service: "nobody", Version: "1"}, registry.CodeServiceNotFound},
		{"empty version", registry.RecordVersionRequest{Service: "orders", Version: ""}, registry.CodeInvalidRequest},
		{"slash in version", registry.RecordVersionRequest{Service: "orders", Version: "a/b"}, registry.CodeInvalidRequest},
		{"long version", registry.RecordVersionRequest{Service: "orders", Version: strings.Repeat("x", 129)}, registry.CodeInvalidRequest},
		{"subject not owned", registry.RecordVersionRequest{Service: "orders", Version: "z", Subjects: map[string]int{"Other": 1}}, registry.CodeInvalidRequest},
		{"unknown subject version", registry.RecordVersionRequest{Service: "orders", Version: "z", Subjects: map[string]int{"OrderPlaced": 9}}, registry.CodeVersionNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.reg.RecordServiceVersion(ctx, tc.req)
			wantCode(t, tc.name, err, tc.code)
		})
	}
	// Deleting the service keeps its versions readable.
	if err := e.reg.DeleteService(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	if vs, err := e.reg.ListServiceVersions(ctx, "orders"); err != nil || len(vs) != 1 {
		t.Fatalf("versions after delete = %v, %v", vs, err)
	}
}

func TestDeploymentsValidation(t *testing.T) {
	e := newEstate(t)
	e.producer("orders", "OrderPlaced", placedV1, "a1")
	for _, tc := range []struct {
		name string
		err  error
		code int
	}{
		{"unknown env", func() error { _, err := e.reg.RecordDeployment(ctx, "qa", ref("orders", "a1"), false); return err }(), registry.CodeEnvironmentNotFound},
		{"unknown version", func() error { _, err := e.reg.RecordDeployment(ctx, "prod", ref("orders", "zz"), false); return err }(), registry.CodeServiceVersionNotFound},
		{"bad env name", func() error { _, err := e.reg.CreateEnvironment(ctx, "-x"); return err }(), registry.CodeInvalidRequest},
		{"undeploy nothing", func() error { _, err := e.reg.RecordUndeployment(ctx, "prod", "orders", ""); return err }(), registry.CodeDeploymentNotFound},
		{"can-i-deploy unknown env", func() error {
			_, err := e.reg.CanIDeploy(ctx, "qa", []registry.ServiceRef{ref("orders", "a1")})
			return err
		}(), registry.CodeEnvironmentNotFound},
		{"can-i-deploy unknown version", func() error {
			_, err := e.reg.CanIDeploy(ctx, "prod", []registry.ServiceRef{ref("orders", "b")})
			return err
		}(), registry.CodeServiceVersionNotFound},
		{"can-i-deploy nothing", func() error { _, err := e.reg.CanIDeploy(ctx, "prod", nil); return err }(), registry.CodeInvalidRequest},
		{"can-i-deploy twice", func() error {
			_, err := e.reg.CanIDeploy(ctx, "prod", []registry.ServiceRef{ref("orders", "a1"), ref("orders", "a1")})
			return err
		}(), registry.CodeInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.name, tc.err, tc.code) })
	}
}

// A consumer ahead of its producer is blocked until the producer ships;
// a plan deploys the producer first; replacing vs keeping versions.
func TestCanIDeployConsumerAheadOfProducer(t *testing.T) {
	e := newEstate(t)
	e.producer("orders", "OrderPlaced", placedV1, "a1")
	e.consumer("notification", "OrderPlaced", readsID, "n1", false)
	rep := e.can("prod", ref("notification", "n1"))
	if !rep.Deployable || len(rep.Items) != 1 || rep.Items[0].Counterpart != "" || !strings.Contains(rep.Items[0].Note, "nothing deployed in prod produces OrderPlaced") {
		t.Fatalf("empty prod: %+v; want deployable with a note", rep)
	}
	e.deploy("prod", "orders", "a1", false)
	e.deploy("prod", "notification", "n1", false)
	e.producer("orders", "OrderPlaced", placedV2, "a2")
	e.consumer("notification", "OrderPlaced", readsCp, "n2", false)

	rep = e.can("prod", ref("notification", "n2"))
	if rep.Deployable || len(rep.Items) != 1 {
		t.Fatalf("n2 against orders@a1: %+v; want blocked", rep)
	}
	it := rep.Items[0]
	if it.Counterpart != "orders" || it.CounterpartVersion != "a1" || it.Role != registry.Consumes || it.Compatible || len(it.Changes) == 0 || it.Changes[0].Example == nil {
		t.Fatalf("item = %+v; want orders@a1 breaking with a witness", it)
	}
	// Both named at once: the target has both new versions.
	if rep := e.can("prod", ref("notification", "n2"), ref("orders", "a2")); !rep.Deployable {
		t.Fatalf("together: %+v", rep)
	}
	plan, err := e.reg.Plan(ctx, "prod", []registry.ServiceRef{ref("notification", "n2"), ref("orders", "a2")})
	if err != nil || !plan.Possible || len(plan.Steps) != 2 || plan.Steps[0] != ref("orders", "a2") {
		t.Fatalf("plan = %+v, %v; want orders@a2 first", plan, err)
	}
	e.deploy("prod", "orders", "a2", false)
	if rep := e.can("prod", ref("notification", "n2")); !rep.Deployable {
		t.Fatalf("after orders@a2 ships: %+v", rep)
	}
	// --keep: with orders@a1 still live beside a2, n2 is blocked again.
	e.deploy("prod", "orders", "a1", true)
	ds, _ := e.reg.ListDeployments(ctx, "prod")
	if len(ds) != 3 {
		t.Fatalf("deployments = %+v; want orders a1 and a2, notification n1", ds)
	}
	if rep := e.can("prod", ref("notification", "n2")); rep.Deployable || len(rep.Items) != 2 {
		t.Fatalf("with a1 kept: %+v; want blocked by a1, fine with a2", rep)
	}
	if _, err := e.reg.RecordUndeployment(ctx, "prod", "orders", "a1"); err != nil {
		t.Fatal(err)
	}
	if rep := e.can("prod", ref("notification", "n2")); !rep.Deployable {
		t.Fatalf("after undeploying a1: %+v", rep)
	}
}

// A plan with no order: each side's new version breaks the other's
// deployed version, and it names the cycle.
func TestPlanNoOrder(t *testing.T) {
	e := newEstate(t)
	if _, err := e.reg.SetConfig(ctx, "OrderPlaced", registry.Config{Mode: compat.None}); err != nil {
		t.Fatal(err)
	}
	e.producer("orders", "OrderPlaced", placedV1, "a1")
	e.consumer("notification", "OrderPlaced", readsID, "n1", false)
	e.deploy("prod", "orders", "a1", false)
	e.deploy("prod", "notification", "n1", false)
	if _, err := e.reg.SetConfig(ctx, "OrderPlaced", registry.Config{Mode: compat.Forward}); err != nil {
		t.Fatal(err)
	}
	// orders@a2 renames orderId to id: n1 breaks; n2 reads only id, so it
	// breaks with a1.
	renamed := `{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}`
	readsRenamed := `{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`
	if _, err := e.reg.SetConfig(ctx, "OrderPlaced", registry.Config{Mode: compat.None}); err != nil {
		t.Fatal(err)
	}
	e.producer("orders", "OrderPlaced", renamed, "a2")
	e.consumer("notification", "OrderPlaced", readsRenamed, "n2", false)
	if _, err := e.reg.SetConfig(ctx, "OrderPlaced", registry.Config{Mode: compat.Forward}); err != nil {
		t.Fatal(err)
	}
	plan, err := e.reg.Plan(ctx, "prod", []registry.ServiceRef{ref("orders", "a2"), ref("notification", "n2")})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Possible || plan.Blocked == nil || len(plan.Blocked.Cycle) != 2 || len(plan.Blocked.Witnesses) != 2 {
		t.Fatalf("plan = %+v; want a cycle of two", plan)
	}
	for _, w := range []string{"orders@a2 breaks notification@n1", "notification@n2 breaks orders@a1", "bridging version"} {
		if !strings.Contains(plan.Blocked.Message, w) {
			t.Errorf("message %q lacks %q", plan.Blocked.Message, w)
		}
	}
}

// TestImpactIn: impact in an environment checks the deployed versions'
// recorded contracts, each live version of a service on its own, not the
// services' latest registrations.
func TestImpactIn(t *testing.T) {
	e := newEstate(t)
	e.producer("orders", "OrderPlaced", placedV1, "a1")
	e.consumer("notification", "OrderPlaced", readsID, "n1", false)
	e.deploy("prod", "orders", "a1", false)
	e.deploy("prod", "notification", "n1", false)
	// notification's next version reads nothing: registered, not deployed.
	e.consumer("notification", "OrderPlaced", `{"type":"object"}`, "n2", false)
	dropsID := `{"type":"object","properties":{"coupon":{"type":"string"}}}`
	rep, err := e.reg.ImpactIn(ctx, "prod", "OrderPlaced", dropsID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Impacted) != 1 || rep.Impacted[0].Service != "notification@n1" || len(rep.Safe) != 0 || rep.Kind != registry.Event {
		t.Fatalf("ImpactIn(prod) = %+v; want notification@n1 impacted", rep)
	}
	if reg, err := e.reg.Impact(ctx, "OrderPlaced", dropsID); err != nil || len(reg.Impacted) != 0 {
		t.Fatalf("registry-wide impact = %+v, %v; want nobody (n2 reads nothing)", reg, err)
	}
	e.deploy("prod", "notification", "n2", true) // both live
	rep, err = e.reg.ImpactIn(ctx, "prod", "OrderPlaced", dropsID)
	if err != nil || len(rep.Impacted) != 1 || len(rep.Safe) != 1 || rep.Safe[0].Service != "notification@n2" {
		t.Fatalf("with n1 and n2 live: %+v, %v", rep, err)
	}
	_, err = e.reg.ImpactIn(ctx, "qa", "OrderPlaced", dropsID)
	wantCode(t, "unknown environment", err, registry.CodeEnvironmentNotFound)
}

// TestServiceVersionContentIsWhatTheCodeDeclares: publishing the same
// commit again after the message an unpinned consumer reads got its first
// version is the same version (the registry resolved a version; the code
// did not change).
func TestServiceVersionContentIsWhatTheCodeDeclares(t *testing.T) {
	e := newEstate(t)
	if _, err := e.reg.RegisterService(ctx, registry.Service{Name: "audit", Relations: []registry.Relation{{Subject: "OrderPlaced", Kind: registry.Consumes}}}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "audit", Version: "c1"}); err != nil {
		t.Fatal(err)
	}
	publish(t, e.reg, "OrderPlaced", placedV1)
	if _, err := e.reg.RegisterService(ctx, registry.Service{Name: "audit", Relations: []registry.Relation{{Subject: "OrderPlaced", Kind: registry.Consumes}}}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "audit", Version: "c1"}); err != nil {
		t.Fatalf("same commit again: %v", err)
	}
	// A contract is content.
	if _, err := e.reg.RegisterService(ctx, registry.Service{Name: "audit", Relations: []registry.Relation{{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: readsID}}}, false); err != nil {
		t.Fatal(err)
	}
	_, err := e.reg.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "audit", Version: "c1"})
	wantCode(t, "a new contract under the same version", err, registry.CodeServiceVersionConflict)
}

// TestDeployCachesAcrossReplicas: two Registrars over one store (two
// replicas): what one records (a deployment, a forced rewrite of a
// version) is what the other's cached answers see next.
func TestDeployCachesAcrossReplicas(t *testing.T) {
	st := newStore(t)
	a := registry.NewRegistrar(st, registry.Options{})
	e := &estate{t: t, reg: a}
	if _, err := a.SetConfig(ctx, "OrderPlaced", registry.Config{Mode: compat.Forward}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateEnvironment(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	e.producer("orders", "OrderPlaced", placedV1, "a1")
	e.consumer("notification", "OrderPlaced", readsID, "n1", false)
	e.deploy("prod", "notification", "n1", false)
	if rep := e.can("prod", ref("orders", "a1")); !rep.Deployable || rep.Items[0].Counterpart != "notification" {
		t.Fatalf("warm-up: %+v", rep)
	}
	b := registry.NewRegistrar(st, registry.Options{})
	// Replica b deploys a consumer that orders@a1 breaks.
	if _, err := b.RegisterService(ctx, registry.Service{Name: "billing", Relations: []registry.Relation{{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: readsID}}}, false); err != nil {
		t.Fatal(err)
	}
	publish(t, a, "OrderPlaced", placedV2)
	if _, err := b.RegisterService(ctx, registry.Service{Name: "billing", Relations: []registry.Relation{{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: readsCp}}}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "billing", Version: "b1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RecordDeployment(ctx, "prod", ref("billing", "b1"), false); err != nil {
		t.Fatal(err)
	}
	if rep := e.can("prod", ref("orders", "a1")); rep.Deployable || len(rep.Items) != 2 {
		t.Fatalf("replica a after b deployed billing@b1: %+v; want blocked", rep)
	}
	// Replica b forces billing@b1 to a contract orders@a1 satisfies.
	if _, err := b.RegisterService(ctx, registry.Service{Name: "billing", Relations: []registry.Relation{{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: readsID}}}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "billing", Version: "b1", Force: true}); err != nil {
		t.Fatal(err)
	}
	if rep := e.can("prod", ref("orders", "a1")); !rep.Deployable {
		t.Fatalf("replica a after b rewrote billing@b1: %+v; want the new contract", rep)
	}
}
