package registry_test

import (
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	"github.com/batonhq/baton/registry"
)

// BenchmarkCanIDeploy is issue #16's figure: can-i-deploy of one service
// with 500 counterparts into an environment running 10,000 services with
// 200,000 relations, on bbolt. The service ("hub") produces 10 events,
// each read by 50 deployed consumers with their own contracts (500
// distinct contracts); every other service has 20 relations to 200 other
// messages. It reports p50/p99 of the warm answer (snapshots, compiled
// contracts and pair verdicts cached, as in a running server; every
// request still reads the environment's 10,000 deployments) and logs the
// first, cold answer.
func BenchmarkCanIDeploy(b *testing.B) {
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400)) // as baton serve runs
	}
	st, err := openBenchStore(b)
	if err != nil {
		b.Fatal(err)
	}
	svc := registry.NewRegistrar(st, registry.Options{})
	start := time.Now()
	const hubEvents, perEvent = 10, 50
	hub := registry.Service{Name: "hub"}
	for e := range hubEvents {
		hub.Relations = append(hub.Relations, registry.Relation{Subject: fmt.Sprintf("Hub%d", e), Kind: registry.Produces})
	}
	if _, err := svc.RegisterService(ctx, hub, false); err != nil {
		b.Fatal(err)
	}
	for _, v := range []string{"1", "2"} {
		extra := ""
		if v == "2" {
			extra = `,"note":{"type":"string"}` // hub@2 adds an optional field
		}
		for e := range hubEvents {
			if _, err := svc.Publish(ctx, registry.PublishRequest{Subject: fmt.Sprintf("Hub%d", e), Schema: hotSchema(extra)}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := svc.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "hub", Version: v}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := svc.CreateEnvironment(ctx, "prod"); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.RecordDeployment(ctx, "prod", registry.ServiceRef{Service: "hub", Version: "1"}, false); err != nil {
		b.Fatal(err)
	}
	relations := len(hub.Relations)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range estateServices - 1 {
		name := fmt.Sprintf("svc-%05d", i)
		sv := registry.ServiceVersion{Service: name, Version: "1", CreatedAt: at}
		if i < hubEvents*perEvent {
			text := hotContract(i)
			fp, err := registry.Fingerprint(text, nil)
			if err != nil {
				b.Fatal(err)
			}
			sv.Relations = append(sv.Relations, registry.VersionRelation{Relation: registry.Relation{Subject: fmt.Sprintf("Hub%d", i/perEvent),
				Kind: registry.Consumes, Contract: text, ContractFingerprint: fp, ContractVersion: 1}})
		}
		for j := 0; len(sv.Relations) < estateRelations; j++ {
			kind := registry.Consumes
			if j%4 == 0 {
				kind = registry.Produces
			}
			sv.Relations = append(sv.Relations, registry.VersionRelation{Relation: registry.Relation{Subject: fmt.Sprintf("Msg%03d", (i*estateRelations+j)%estateMessages), Kind: kind}})
		}
		relations += len(sv.Relations)
		if _, _, err := st.PutServiceVersion(ctx, sv, false); err != nil {
			b.Fatal(err)
		}
		if err := st.PutDeployment(ctx, registry.Deployment{Service: name, Version: "1", Env: "prod", DeployedAt: at}, false); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("environment: %d services deployed, %d relations, built in %s", estateServices, relations, time.Since(start).Round(time.Millisecond))
	refs := []registry.ServiceRef{{Service: "hub", Version: "2"}}
	check := func() time.Duration {
		t0 := time.Now()
		rep, err := svc.CanIDeploy(ctx, "prod", refs)
		d := time.Since(t0)
		if err != nil || !rep.Deployable || len(rep.Items) != hubEvents*perEvent {
			b.Fatalf("can-i-deploy: %v (deployable %v, %d items)", err, rep.Deployable, len(rep.Items))
		}
		return d
	}
	b.Logf("cold: %s", check().Round(time.Microsecond))
	// At least 200 samples whatever b.N, so that p99 means something with
	// -benchtime 1x (the environment takes a minute of fsyncs to build,
	// once per b.N the framework tries).
	n := max(b.N, 200)
	lat := make([]time.Duration, 0, n)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		lat = append(lat, check())
	}
	b.StopTimer()
	// cpu-ms: CPU time per answer (GC included); on a busy machine the
	// latency also waits for a core.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(n), "cpu-ms/op")
	slices.Sort(lat)
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(ms(1), "max-ms")
}
