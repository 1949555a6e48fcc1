package registry_test

import (
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/registry"
)

// Estate shape of the issue: 10,000 services with 20 relations each
// (200,000). Two messages have 500 consumers each:
//   - "Hot": every consumer has its own reader contract (500 distinct
//     contracts: the worst case, nothing to share);
//   - "HotMix": a realistic mix: 200 consumers with their own contracts,
//     150 that share one of 10 contracts (a team's template or a shared
//     client library), 150 without a contract that read the version current
//     when they registered (211 distinct pairs to check).
const (
	estateServices  = 10_000
	estateRelations = 20 // per service
	estateMessages  = 200
	hotConsumers    = 500
	hotFields       = 30
)

// hotSchema is the producer's closed 30-field event, every field required;
// extra adds properties.
func hotSchema(extra string) string {
	var b strings.Builder
	b.WriteString(`{"type":"object","additionalProperties":false,"required":[` + requiredFrom(0) + `],"properties":{`)
	for i := range hotFields {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"f%d":{"type":"string","maxLength":%d}`, i, 100+i)
	}
	b.WriteString(extra + `}}`)
	return b.String()
}

// requiredFrom lists "f<from>" .. "f29" as JSON strings.
func requiredFrom(from int) string {
	var r []string
	for i := from; i < hotFields; i++ {
		r = append(r, fmt.Sprintf(`"f%d"`, i))
	}
	return strings.Join(r, ",")
}

// hotContract reads up to four fields chosen by i and requires the first; the
// title makes the text (and fingerprint) of each i distinct.
func hotContract(i int) string {
	fs := []int{i % hotFields, (i*7 + 1) % hotFields, (i*13 + 2) % hotFields, (i / hotFields) % hotFields}
	var props []string
	for k, f := range fs {
		if !slices.Contains(fs[:k], f) {
			props = append(props, fmt.Sprintf(`"f%d":{"type":"string"}`, f))
		}
	}
	return fmt.Sprintf(`{"title":"consumer %d","type":"object","required":["f%d"],"properties":{%s}}`, i, fs[0], strings.Join(props, ","))
}

// hotRelation is consumer i's relation to the hot messages (nil: none).
func hotRelations(i int) []registry.Relation {
	var out []registry.Relation
	if i < hotConsumers {
		out = append(out, registry.Relation{Subject: "Hot", Kind: registry.Consumes, Contract: hotContract(i)})
	}
	if m := i - hotConsumers; m >= 0 && m < hotConsumers {
		r := registry.Relation{Subject: "HotMix", Kind: registry.Consumes}
		switch {
		case m < 200:
			r.Contract = hotContract(m)
		case m < 350:
			r.Contract = hotContract(1000 + m%10) // one of 10 shared contracts
		} // else: no contract, reads the current version
		out = append(out, r)
	}
	return out
}

// wantImpacted counts the consumers of subject whose contract requires f0
// (removing f0 from required breaks exactly them, and every consumer
// without a contract).
func wantImpacted(subject string) int {
	n := 0
	for i := range estateServices {
		for _, r := range hotRelations(i) {
			if r.Subject == subject && (r.Contract == "" || strings.Contains(r.Contract, `"required":["f0"]`)) {
				n++
			}
		}
	}
	return n
}

// BenchmarkImpactEstate measures Registrar.Impact of one change to a message
// with 500 consumers in a 10,000-service, 200,000-relation estate, and
// reports p50 and p99 of the per-impact latency in ms:
//   - warm: the same proposal again (CI re-checking a change);
//   - fresh: a never-seen breaking proposal every time, so every consumer's
//     pair is really checked (contracts stay compiled; the proposal is
//     compiled each time);
//   - fresh-safe: a never-seen proposal that only narrows the current
//     version (judged through the current version's verdicts);
//   - fresh-mix: fresh on HotMix (shared contracts are checked once);
//   - relations: the relation-index read alone.
func BenchmarkImpactEstate(b *testing.B) {
	// baton serve runs with GOGC=400 (cmd/baton/serve.go): the figures are
	// for the server as it runs. GOGC in the environment still decides.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	st, err := openBenchStore(b)
	if err != nil {
		b.Fatal(err)
	}
	svc := registry.NewRegistrar(st, registry.Options{})
	start := time.Now()
	for _, subject := range []string{"Hot", "HotMix"} {
		if _, err := svc.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: hotSchema("")}); err != nil {
			b.Fatal(err)
		}
	}
	relations := 0
	for i := range estateServices {
		si := registry.Service{Name: fmt.Sprintf("svc-%05d", i), Owner: fmt.Sprintf("team-%d", i%100)}
		si.Relations = hotRelations(i)
		hot := len(si.Relations) > 0
		for j := 0; len(si.Relations) < estateRelations; j++ {
			kind := registry.Consumes
			if j%4 == 0 {
				kind = registry.Produces
			}
			si.Relations = append(si.Relations, registry.Relation{Subject: fmt.Sprintf("Msg%03d", (i*estateRelations+j)%estateMessages), Kind: kind})
		}
		relations += len(si.Relations)
		if hot {
			_, err = svc.RegisterService(ctx, si, false) // validates and compiles the contract
		} else {
			err = si.Validate()
			if err == nil {
				err = st.PutService(ctx, si, nil)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("estate: %d services, %d relations, built in %s", estateServices, relations, time.Since(start).Round(time.Millisecond))
	// Removing f0 from required breaks the consumers that require it; the
	// rest are safe. Each fresh proposal also changes f0's maxLength.
	breaking := func(n int) string {
		s := strings.Replace(hotSchema(""), `"required":[`+requiredFrom(0)+`]`, `"required":[`+requiredFrom(1)+`]`, 1)
		if n > 0 {
			s = strings.Replace(s, `"f0":{"type":"string","maxLength":100}`, fmt.Sprintf(`"f0":{"type":"string","maxLength":%d}`, 1000+n), 1)
		}
		return s
	}
	for _, subject := range []string{"Hot", "HotMix"} {
		rep, err := svc.Impact(ctx, subject, breaking(0))
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Impacted)+len(rep.Safe) != hotConsumers || len(rep.Impacted) != wantImpacted(subject) {
			b.Fatalf("%s: impacted %d safe %d; want %d impacted of %d", subject, len(rep.Impacted), len(rep.Safe), wantImpacted(subject), hotConsumers)
		}
		b.Logf("one change to %s: %d impacted, %d safe", subject, len(rep.Impacted), len(rep.Safe))
	}

	percentiles := func(b *testing.B, lat []time.Duration) {
		slices.Sort(lat)
		ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
		b.ReportMetric(ms(0.5), "p50-ms")
		b.ReportMetric(ms(0.99), "p99-ms")
		b.ReportMetric(ms(1), "max-ms")
	}
	// cpu-ms is the CPU time (all threads, GC included) per impact: with
	// other processes on the machine, latency also waits for a core, and
	// cpu-ms / cores is roughly the latency of an idle machine.
	measure := func(b *testing.B, subject string, impacted int, proposal func(i int) string) {
		lat := make([]time.Duration, 0, b.N)
		cpu0 := cpuTime()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			p := proposal(i)
			t0 := time.Now()
			rep, err := svc.Impact(ctx, subject, p)
			lat = append(lat, time.Since(t0))
			if err != nil || len(rep.Impacted)+len(rep.Safe) != hotConsumers || (impacted >= 0 && len(rep.Impacted) != impacted) {
				b.Fatalf("impact: %v (%d+%d)", err, len(rep.Impacted), len(rep.Safe))
			}
		}
		b.StopTimer()
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		percentiles(b, lat)
	}
	var fresh int
	nextFresh := func() int { fresh++; return fresh }
	b.Run("warm", func(b *testing.B) { measure(b, "Hot", wantImpacted("Hot"), func(int) string { return breaking(0) }) })
	b.Run("fresh", func(b *testing.B) {
		measure(b, "Hot", wantImpacted("Hot"), func(int) string { return breaking(nextFresh()) })
	})
	b.Run("fresh-safe", func(b *testing.B) {
		measure(b, "Hot", 0, func(int) string {
			return strings.Replace(hotSchema(""), `"f0":{"type":"string","maxLength":100}`, fmt.Sprintf(`"f0":{"type":"string","maxLength":100,"minLength":%d}`, nextFresh()), 1)
		})
	})
	b.Run("fresh-mix", func(b *testing.B) {
		measure(b, "HotMix", wantImpacted("HotMix"), func(int) string { return breaking(nextFresh()) })
	})
	b.Run("relations", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			srs, err := st.RelationsBySubject(ctx, "Hot")
			lat = append(lat, time.Since(t0))
			if err != nil || len(srs) != hotConsumers {
				b.Fatalf("relations: %v (%d)", err, len(srs))
			}
		}
		percentiles(b, lat)
	})
}
