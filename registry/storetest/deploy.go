package storetest

import (
	"testing"
	"time"

	"github.com/batonhq/baton/registry"
	"github.com/google/go-cmp/cmp"
)

func codeOf(err error) int {
	if e, ok := err.(*registry.Error); ok {
		return e.Code
	}
	return 0
}

// serviceVersions: a version is stored once, kept (and returned) when put
// again without replace, overwritten with replace (counted), listed oldest
// first per service, and outlives its service's record.
func serviceVersions(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	sv := func(service, version string, subjectVersion int, min int) registry.ServiceVersion {
		return registry.ServiceVersion{Service: service, Version: version, Branch: "main", CreatedAt: at.Add(time.Duration(min) * time.Minute),
			Relations: []registry.VersionRelation{{Relation: registry.Relation{Subject: "OrderPlaced", Kind: registry.Produces, Version: subjectVersion}, SchemaID: int64(subjectVersion)}}}
	}
	if _, err := s.GetServiceVersion(ctx, "orders", "a1"); codeOf(err) != registry.CodeServiceVersionNotFound {
		t.Fatalf("unknown version: %v, want %d", err, registry.CodeServiceVersionNotFound)
	}
	if got, err := s.ServiceVersions(ctx, "orders"); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("no versions = %v, %v; want an empty list", got, err)
	}
	first := sv("orders", "b2", 1, 0)
	got, created, err := s.PutServiceVersion(ctx, first, false)
	if err != nil || !created || !cmp.Equal(got, first) {
		t.Fatalf("first put = %+v, %v, %v", got, created, err)
	}
	other := sv("orders", "b2", 2, 5)
	got, created, err = s.PutServiceVersion(ctx, other, false)
	if err != nil || created || !cmp.Equal(got, first) {
		t.Fatalf("second put without replace = %+v, %v, %v; want the first kept", got, created, err)
	}
	if n, err := s.ServiceVersionRewrites(ctx); err != nil || n != 0 {
		t.Fatalf("rewrites = %d, %v; want 0", n, err)
	}
	got, created, err = s.PutServiceVersion(ctx, other, true)
	if err != nil || !created || !cmp.Equal(got, other) {
		t.Fatalf("replace = %+v, %v, %v", got, created, err)
	}
	if n, err := s.ServiceVersionRewrites(ctx); err != nil || n != 1 {
		t.Fatalf("rewrites = %d, %v; want 1", n, err)
	}
	older := sv("orders", "a1", 1, 1)
	for _, p := range []registry.ServiceVersion{older, sv("orders.v2", "x", 1, 0), sv("order", "y", 1, 0)} {
		if _, _, err := s.PutServiceVersion(ctx, p, false); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.ServiceVersions(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]registry.ServiceVersion{older, other}, list); diff != "" {
		t.Errorf("ServiceVersions(orders) (-want +got):\n%s", diff)
	}
	// Deleting the service keeps its versions: deployments still name them.
	if err := s.PutService(ctx, registry.Service{Name: "orders", Relations: []registry.Relation{}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteService(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetServiceVersion(ctx, "orders", "a1"); err != nil || !cmp.Equal(got, older) {
		t.Errorf("after DeleteService: %+v, %v; want the version kept", got, err)
	}
}

// environmentsAndDeployments: environments are created once; deployments
// replace the service's earlier versions unless kept, are removed by
// version or all at once, and unknown environments are 40422 everywhere.
func environmentsAndDeployments(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if got, err := s.Environments(ctx); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("no environments = %v, %v", got, err)
	}
	prod := registry.Environment{Name: "prod", CreatedAt: at}
	for _, e := range []registry.Environment{prod, {Name: "dev", CreatedAt: at}} {
		if created, err := s.PutEnvironment(ctx, e); err != nil || !created {
			t.Fatalf("PutEnvironment(%s) = %v, %v", e.Name, created, err)
		}
	}
	if created, err := s.PutEnvironment(ctx, registry.Environment{Name: "prod", CreatedAt: at.Add(time.Hour)}); err != nil || created {
		t.Fatalf("second PutEnvironment(prod) = %v, %v; want kept", created, err)
	}
	if got, err := s.GetEnvironment(ctx, "prod"); err != nil || !cmp.Equal(got, prod) {
		t.Fatalf("GetEnvironment(prod) = %+v, %v", got, err)
	}
	envs, err := s.Environments(ctx)
	if err != nil || len(envs) != 2 || envs[0].Name != "dev" || envs[1].Name != "prod" {
		t.Fatalf("Environments = %v, %v; want dev, prod", envs, err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"GetEnvironment", func() error { _, err := s.GetEnvironment(ctx, "qa"); return err }()},
		{"Deployments", func() error { _, err := s.Deployments(ctx, "qa"); return err }()},
		{"PutDeployment", s.PutDeployment(ctx, registry.Deployment{Service: "a", Version: "1", Env: "qa", DeployedAt: at}, false)},
		{"DeleteDeployments", func() error { _, err := s.DeleteDeployments(ctx, "qa", "a", ""); return err }()},
	} {
		if codeOf(tc.err) != registry.CodeEnvironmentNotFound {
			t.Errorf("%s on unknown environment: %v, want %d", tc.name, tc.err, registry.CodeEnvironmentNotFound)
		}
	}
	dep := func(service, version string, min int) registry.Deployment {
		return registry.Deployment{Service: service, Version: version, Env: "prod", DeployedAt: at.Add(time.Duration(min) * time.Minute)}
	}
	steps := []struct {
		d    registry.Deployment
		keep bool
	}{
		{dep("orders", "a1", 1), false},
		{dep("orders.v2", "z", 2), false}, // a service whose name extends another's
		{dep("orders", "b2", 3), false},   // replaces a1
		{dep("orders", "c3", 4), true},    // b2 stays
		{dep("billing", "9", 5), false},
	}
	gen := func() int64 {
		t.Helper()
		n, err := s.DeploymentsGeneration(ctx, "prod")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	last := gen()
	if last != 0 {
		t.Fatalf("generation before any deployment = %d, want 0", last)
	}
	for _, st := range steps {
		if err := s.PutDeployment(ctx, st.d, st.keep); err != nil {
			t.Fatal(err)
		}
		if g := gen(); g <= last {
			t.Fatalf("generation after deploying %s@%s = %d, want > %d", st.d.Service, st.d.Version, g, last)
		} else {
			last = g
		}
	}
	if err := s.PutDeployment(ctx, registry.Deployment{Service: "orders", Version: "a1", Env: "dev", DeployedAt: at}, false); err != nil {
		t.Fatal(err)
	}
	want := []registry.Deployment{steps[4].d, steps[2].d, steps[3].d, steps[1].d}
	got, err := s.Deployments(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Deployments(prod) (-want +got):\n%s", diff)
	}
	removed, err := s.DeleteDeployments(ctx, "prod", "orders", "b2")
	if err != nil || !cmp.Equal(removed, []registry.Deployment{steps[2].d}) {
		t.Fatalf("undeploy orders@b2 = %v, %v", removed, err)
	}
	if g := gen(); g <= last {
		t.Fatalf("generation after an undeployment = %d, want > %d", g, last)
	} else {
		last = g
	}
	if _, err := s.DeleteDeployments(ctx, "prod", "orders", "b2"); codeOf(err) != registry.CodeDeploymentNotFound {
		t.Fatalf("undeploy again: %v, want %d", err, registry.CodeDeploymentNotFound)
	}
	if g := gen(); g != last {
		t.Fatalf("generation after removing nothing = %d, want %d", g, last)
	}
	if _, err := s.DeleteDeployments(ctx, "prod", "orders", ""); err != nil {
		t.Fatal(err)
	}
	got, err = s.Deployments(ctx, "prod")
	if err != nil || !cmp.Equal(got, []registry.Deployment{steps[4].d, steps[1].d}) {
		t.Fatalf("after undeploying orders: %v, %v", got, err)
	}
	if got, err := s.Deployments(ctx, "dev"); err != nil || len(got) != 1 || got[0].Version != "a1" {
		t.Fatalf("dev untouched: %v, %v", got, err)
	}
}
