package registry_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/registry"
)

// Estate shape of the issue: 10,000 services with 20 relations each
// (200,000), one message ("Hot") with 500 consumers, each with its own
// reader contract.
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

// hotContract reads four fields chosen by i (distinct per consumer).
func hotContract(i int) string {
	fs := []int{i % hotFields, (i*7 + 1) % hotFields, (i*13 + 2) % hotFields, (i / hotFields) % hotFields}
	var props []string
	for _, f := range fs {
		props = append(props, fmt.Sprintf(`"f%d":{"type":"string"}`, f))
	}
	return fmt.Sprintf(`{"title":"consumer %d","type":"object","required":["f%d"],"properties":{%s}}`, i, fs[0], strings.Join(props, ","))
}

// BenchmarkImpactEstate measures Service.Impact on the hot message:
// warm is the same proposal again (CI re-checking a change), fresh is a
// never-seen breaking proposal every time (500 real checks; contracts
// compiled once), fresh-safe a never-seen proposal that only narrows the
// current version (judged through the current version's verdicts). All
// report p50 and p99 in ms.
func BenchmarkImpactEstate(b *testing.B) {
	st, err := openBenchStore(b)
	if err != nil {
		b.Fatal(err)
	}
	svc := registry.NewService(st, registry.ServiceOptions{})
	start := time.Now()
	if _, err := svc.Publish(ctx, registry.PublishRequest{Subject: "Hot", Schema: hotSchema("")}); err != nil {
		b.Fatal(err)
	}
	relations := 0
	for i := range estateServices {
		si := registry.ServiceInfo{Name: fmt.Sprintf("svc-%05d", i), Owner: fmt.Sprintf("team-%d", i%100)}
		if i < hotConsumers {
			si.Relations = append(si.Relations, registry.Relation{Subject: "Hot", Kind: registry.Consumes, Contract: hotContract(i)})
		}
		for j := 0; len(si.Relations) < estateRelations; j++ {
			kind := registry.Consumes
			if j%4 == 0 {
				kind = registry.Produces
			}
			si.Relations = append(si.Relations, registry.Relation{Subject: fmt.Sprintf("Msg%03d", (i*estateRelations+j)%estateMessages), Kind: kind})
		}
		relations += len(si.Relations)
		if i < hotConsumers {
			_, err = svc.RegisterService(ctx, si, false) // validates and compiles the contract
		} else {
			err = si.Validate()
			if err == nil {
				err = st.PutService(ctx, si)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("estate: %d services, %d relations, built in %s", estateServices, relations, time.Since(start).Round(time.Millisecond))
	// Removing f0 (which some consumers require) breaks them; the rest are safe.
	breaking := strings.Replace(hotSchema(""), `"required":[`+requiredFrom(0)+`]`, `"required":[`+requiredFrom(1)+`]`, 1)
	rep, err := svc.Impact(ctx, "Hot", breaking)
	if err != nil {
		b.Fatal(err)
	}
	if len(rep.Impacted)+len(rep.Safe) != hotConsumers || len(rep.Impacted) == 0 || len(rep.Safe) == 0 {
		b.Fatalf("impacted %d safe %d; want a split of %d", len(rep.Impacted), len(rep.Safe), hotConsumers)
	}
	b.Logf("one change to Hot: %d impacted, %d safe", len(rep.Impacted), len(rep.Safe))

	measure := func(b *testing.B, proposal func(i int) string) {
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			rep, err := svc.Impact(ctx, "Hot", proposal(i))
			lat = append(lat, time.Since(t0))
			if err != nil || len(rep.Impacted)+len(rep.Safe) != hotConsumers {
				b.Fatalf("impact: %v (%d+%d)", err, len(rep.Impacted), len(rep.Safe))
			}
		}
		b.StopTimer()
		slices.Sort(lat)
		ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
		b.ReportMetric(ms(0.5), "p50-ms")
		b.ReportMetric(ms(0.99), "p99-ms")
	}
	b.Run("warm", func(b *testing.B) { measure(b, func(int) string { return breaking }) })
	var fresh int
	b.Run("fresh", func(b *testing.B) {
		measure(b, func(int) string {
			fresh++
			return strings.Replace(breaking, `"f0":{"type":"string","maxLength":100}`, fmt.Sprintf(`"f0":{"type":"string","maxLength":%d}`, 1000+fresh), 1)
		})
	})
	b.Run("fresh-safe", func(b *testing.B) {
		measure(b, func(int) string {
			fresh++
			return strings.Replace(hotSchema(""), `"f0":{"type":"string","maxLength":100}`, fmt.Sprintf(`"f0":{"type":"string","maxLength":100,"minLength":%d}`, fresh), 1)
		})
	})
}
