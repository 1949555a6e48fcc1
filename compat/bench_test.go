package compat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/internal/benchcpu"
	"github.com/batonhq/baton/internal/eventschema"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

// ---- the large pair: 2,056 properties, 5 levels, 40 edits (~100 KB) ----

const (
	largeDepth    = 5  // levels of nested objects
	largeBranch   = 3  // child objects per object above the last level
	largeLeaves   = 16 // scalar properties per object
	largeEdits    = 40 // edits between writer and reader
	largeObjCount = 1 + largeBranch + largeBranch*largeBranch + largeBranch*largeBranch*largeBranch + largeBranch*largeBranch*largeBranch*largeBranch
)

// largeEdit is one change made to the reader of the large pair.
type largeEdit struct {
	Object   string // JSON Pointer of the edited object schema
	Kind     string
	Breaking bool
}

type largeObject struct {
	ptr    string
	schema map[string]any
	closed bool
}

// largeLeaf returns the schema of leaf property i.
func largeLeaf(i int) map[string]any {
	desc := "Tags."
	switch i % 8 {
	case 0:
		return map[string]any{"type": "string", "maxLength": num("64")}
	case 1:
		return map[string]any{"type": "integer", "minimum": num("0"), "maximum": num("1000")}
	case 2:
		return map[string]any{"type": "number"}
	case 3:
		return map[string]any{"type": "boolean"}
	case 4:
		return map[string]any{"type": "string", "enum": []any{"red", "green", "blue", "black"}}
	case 5:
		return map[string]any{"type": "string", "format": "date-time"}
	case 6:
		return map[string]any{"type": "array", "items": map[string]any{"type": "string", "maxLength": num("32")}, "maxItems": num("10"), "description": desc}
	default:
		return map[string]any{"type": []any{"string", "null"}, "minLength": num("1")}
	}
}

// largeTree builds the writer's tree and lists its objects breadth first.
func largeTree() (map[string]any, []*largeObject) {
	var objs []*largeObject
	var build func(ptr string, level int) map[string]any
	build = func(ptr string, level int) map[string]any {
		props := map[string]any{}
		o := &largeObject{ptr: ptr}
		idx := len(objs)
		objs = append(objs, o)
		o.closed = idx%2 == 1
		for i := 0; i < largeLeaves; i++ {
			props[fmt.Sprintf("f%02d", i)] = largeLeaf(i)
		}
		s := map[string]any{"type": "object", "properties": props, "required": []any{"f00", "f01"},
			"description": fmt.Sprintf("Object %d at level %d.", idx, level)}
		if o.closed {
			s["additionalProperties"] = false
		}
		o.schema = s
		return s
	}
	// Breadth-first so that object indexes are stable and spread over levels.
	root := build("", 1)
	type item struct {
		obj   *largeObject
		level int
	}
	queue := []item{{objs[0], 1}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if it.level == largeDepth {
			continue
		}
		for c := 0; c < largeBranch; c++ {
			name := fmt.Sprintf("o%d", c)
			child := build(it.obj.ptr+"/properties/"+name, it.level+1)
			it.obj.schema["properties"].(map[string]any)[name] = child
			queue = append(queue, item{objs[len(objs)-1], it.level + 1})
		}
	}
	_ = root
	return objs[0].schema, objs
}

// largePair returns the writer and reader documents of the large pair for
// a draft, and the edits that separate them.
func largePair(draft int) (writer, reader []byte, edits []largeEdit) {
	w, _ := largeTree()
	w["$schema"] = schemaURI[draft]
	writer = marshal(w)
	r, objs := largeTree()
	r["$schema"] = schemaURI[draft]
	for i := 0; i < largeEdits; i++ {
		o := objs[1+i*3]
		props := o.schema["properties"].(map[string]any)
		e := largeEdit{Object: o.ptr, Breaking: true}
		switch i % 8 {
		case 0:
			e.Kind = "required-added"
			o.schema["required"] = []any{"f00", "f01", "f05"}
		case 1:
			e.Kind = "type-narrowed"
			props["f02"].(map[string]any)["type"] = "integer"
		case 2:
			e.Kind = "enum-value-removed"
			props["f04"].(map[string]any)["enum"] = []any{"red", "green", "blue"}
		case 3:
			e.Kind = "maximum-decreased"
			props["f01"].(map[string]any)["maximum"] = num("500")
		case 4:
			if !o.closed {
				panic("edit 4 must hit a closed object")
			}
			e.Kind = "property-removed-from-closed-model"
			delete(props, "f03")
		case 5:
			e.Kind, e.Breaking = "description-changed", false
			props["f06"].(map[string]any)["description"] = "Reworded description."
		case 6:
			e.Kind, e.Breaking = "maximum-increased-enum-value-added", false
			props["f01"].(map[string]any)["maximum"] = num("2000")
			props["f04"].(map[string]any)["enum"] = []any{"red", "green", "blue", "black", "white"}
		case 7:
			e.Kind = "max-length-decreased"
			props["f00"].(map[string]any)["maxLength"] = num("32")
		}
		edits = append(edits, e)
	}
	return writer, marshal(r), edits
}

// ---- a typical 50-property event ----

func event50Pair() (writer, reader []byte) {
	build := func(v2 bool) map[string]any {
		customer := map[string]any{}
		for _, n := range []string{"id", "name", "email", "phone", "street", "city", "zip", "country", "segment", "since"} {
			customer[n] = map[string]any{"type": "string", "maxLength": num("200")}
		}
		customer["email"] = map[string]any{"type": "string", "format": "email"}
		customer["since"] = map[string]any{"type": "string", "format": "date"}
		line := map[string]any{
			"sku":      map[string]any{"type": "string", "minLength": num("1")},
			"qty":      map[string]any{"type": "integer", "minimum": num("1"), "maximum": num("1000")},
			"price":    map[string]any{"type": "number", "minimum": num("0"), "multipleOf": num("0.01")},
			"currency": map[string]any{"enum": []any{"EUR", "USD", "GBP"}},
			"discount": map[string]any{"type": "number", "minimum": num("0"), "maximum": num("1")},
			"gift":     map[string]any{"type": "boolean"},
		}
		props := map[string]any{
			"eventId":    map[string]any{"type": "string", "format": "uuid"},
			"eventType":  map[string]any{"const": "OrderPlaced"},
			"occurredAt": map[string]any{"type": "string", "format": "date-time"},
			"orderId":    map[string]any{"type": "string"},
			"status":     map[string]any{"enum": []any{"NEW", "PAID", "CANCELLED"}},
			"total":      map[string]any{"type": "number", "minimum": num("0")},
			"customer":   map[string]any{"type": "object", "properties": customer, "required": []any{"id", "email"}, "additionalProperties": false},
			"lines":      map[string]any{"type": "array", "minItems": num("1"), "items": map[string]any{"type": "object", "properties": line, "required": []any{"sku", "qty", "price"}, "additionalProperties": false}},
		}
		for i := 0; len(props)+len(customer)+len(line) < 50; i++ {
			props[fmt.Sprintf("attr%02d", i)] = map[string]any{"type": []any{"string", "null"}, "maxLength": num("100")}
		}
		req := []any{"eventId", "eventType", "occurredAt", "orderId", "customer", "lines"}
		if v2 {
			props["status"] = map[string]any{"enum": []any{"NEW", "PAID", "CANCELLED", "REFUNDED"}} // compatible
			customer["vip"] = map[string]any{"type": "boolean"}                                     // optional, closed model: compatible
			req = append(req, "total")                                                              // breaking
			line["qty"] = map[string]any{"type": "integer", "minimum": num("1"), "maximum": num("100")}
		}
		return map[string]any{"$schema": schemaURI[draft7], "type": "object", "properties": props, "required": req}
	}
	return marshal(build(false)), marshal(build(true))
}

// ---- deeply and mutually recursive definitions ----

func recursivePair(n int) (writer, reader []byte) {
	build := func(idType string) map[string]any {
		defs := map[string]any{}
		for i := 0; i < n; i++ {
			defs[fmt.Sprintf("d%d", i)] = map[string]any{
				"type": "object",
				"properties": map[string]any{
					"id":   map[string]any{"type": idType},
					"next": map[string]any{"$ref": fmt.Sprintf("#/definitions/d%d", (i+1)%n)},
					"self": map[string]any{"$ref": fmt.Sprintf("#/definitions/d%d", i)},
					"kids": map[string]any{"type": "array", "items": map[string]any{"$ref": fmt.Sprintf("#/definitions/d%d", (i*7+3)%n)}},
					"alt":  map[string]any{"anyOf": []any{map[string]any{"type": "null"}, map[string]any{"$ref": fmt.Sprintf("#/definitions/d%d", (i*5+1)%n)}}},
				},
				"required": []any{"id"},
			}
		}
		return map[string]any{"$schema": schemaURI[draft7], "definitions": defs, "$ref": "#/definitions/d0"}
	}
	// integer -> number everywhere: compatible, so the checker has to walk every pair.
	return marshal(build("integer")), marshal(build("number"))
}

func compileBench(tb testing.TB, name string, data []byte) *compat.Schema {
	tb.Helper()
	s, err := compat.Compile(data, compat.LoadOptions{Source: name})
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return s
}

// TestLargePair checks the benchmark's input and that the engine finds every
// breaking edit of it, each in the edited object, with correct witnesses.
func TestLargePair(t *testing.T) {
	wData, rData, edits := largePair(draft7)
	var props int
	var depth func(v any, d int) int
	depth = func(v any, d int) int {
		m, ok := v.(map[string]any)
		if !ok {
			return d
		}
		best := d
		if p, ok := m["properties"].(map[string]any); ok {
			props += len(p)
			for _, k := range sortedKeys(p) {
				if sub, ok := p[k].(map[string]any); ok && sub["type"] == "object" {
					best = max(best, depth(sub, d+1))
				}
			}
		}
		return best
	}
	var w any
	if err := json.Unmarshal(wData, &w); err != nil {
		t.Fatal(err)
	}
	if d := depth(w, 1); d != largeDepth || props < 2000 || len(wData) < 90_000 || len(edits) != largeEdits {
		t.Fatalf("large pair: depth %d, %d properties, %d bytes, %d edits", d, props, len(wData), len(edits))
	}
	t.Logf("large pair: %d properties, %d levels, writer %d bytes, reader %d bytes, %d edits", props, largeDepth, len(wData), len(rData), len(edits))

	ws, rs := compileBench(t, "large-old", wData), compileBench(t, "large-new", rData)
	rep := checkWithin(t, ws, rs, compat.Options{}, checkLimit)
	if rep.Compatible {
		t.Fatalf("large pair with breaking edits judged compatible")
	}
	// within reports whether a finding's path lies in obj itself, not in a
	// nested object below it.
	within := func(path, obj string) bool {
		if !strings.HasPrefix(path, obj) {
			return false
		}
		return !strings.Contains(strings.TrimPrefix(path, obj), "/properties/o")
	}
	found, examples := 0, 0
	for _, e := range edits {
		var hits []compat.Finding
		for _, f := range rep.Findings {
			if f.Breaking && within(f.Path, e.Object) {
				hits = append(hits, f)
			}
		}
		switch {
		case e.Breaking && len(hits) == 0:
			t.Errorf("breaking edit %s at %s: no breaking finding there", e.Kind, e.Object)
		case !e.Breaking && len(hits) > 0:
			t.Errorf("compatible edit %s at %s: reported as breaking: %s", e.Kind, e.Object, findingsSummary(compat.Report{Findings: hits}))
		case e.Breaking:
			found++
		}
	}
	for _, f := range rep.Findings {
		if len(f.Example) > 0 {
			examples++
			if why := witnessHolds(ws, rs, f.Example); why != "" {
				t.Errorf("finding %s at %s: example %s: %s", f.Rule, f.Path, f.Example, why)
			}
		}
	}
	t.Logf("large pair: %d findings, %d of %d breaking edits found, %d examples", len(rep.Findings), found, breakingEdits(edits), examples)

	// The compatible direction of the other benchmark inputs.
	ew, er := event50Pair()
	if rep := checkWithin(t, compileBench(t, "event-old", ew), compileBench(t, "event-new", er), compat.Options{}, checkLimit); rep.Compatible {
		t.Errorf("event50 pair adds a required property but was judged compatible")
	}
	rw, rr := recursivePair(20)
	if rep := checkWithin(t, compileBench(t, "rec-old", rw), compileBench(t, "rec-new", rr), compat.Options{}, checkLimit); !rep.Compatible {
		t.Errorf("recursive pair only widens integer to number but was judged incompatible: %s", findingsSummary(rep))
	}
}

func breakingEdits(es []largeEdit) int {
	n := 0
	for _, e := range es {
		if e.Breaking {
			n++
		}
	}
	return n
}

// TestWriteBenchFiles writes the benchmark pairs for whole-process timing
// (scripts/bench-diff.sh) into $BATON_BENCH_DIR; skipped when it is unset.
func TestWriteBenchFiles(t *testing.T) {
	dir := os.Getenv("BATON_BENCH_DIR")
	if dir == "" {
		t.Skip("set BATON_BENCH_DIR to write the benchmark schema files")
	}
	lw, lr, _ := largePair(draft7)
	lw20, lr20, _ := largePair(draft2020)
	ew, er := event50Pair()
	rw, rr := recursivePair(20)
	files := map[string][]byte{
		"large-old.json": lw, "large-new.json": lr,
		"large-2020-old.json": lw20, "large-2020-new.json": lr20,
		"event50-old.json": ew, "event50-new.json": er,
		"recursive-old.json": rw, "recursive-new.json": rr,
	}
	for _, name := range sortedKeys(files) {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", filepath.Join(dir, name), len(files[name]))
	}
}

var benchSink compat.Report

func benchCheck(b *testing.B, writer, reader []byte) {
	w, r := compileBench(b, "writer", writer), compileBench(b, "reader", reader)
	rep := compat.Check(w, r, compat.Options{}) // warm up and record the shape
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		benchSink = compat.Check(w, r, compat.Options{})
	}
	b.StopTimer()
	b.ReportMetric(float64(len(rep.Findings)), "findings")
}

// BenchmarkCheckLarge: the engine alone on the compiled large pair (goal < 5 ms/op).
func BenchmarkCheckLarge(b *testing.B) {
	w, r, _ := largePair(draft7)
	benchCheck(b, w, r)
}

// BenchmarkCheckEvent50: a typical 50-property event with three edits.
func BenchmarkCheckEvent50(b *testing.B) {
	w, r := event50Pair()
	benchCheck(b, w, r)
}

// BenchmarkCheckRecursive: 20 mutually recursive definitions, each reaching
// itself and three others, all changed.
func BenchmarkCheckRecursive(b *testing.B) {
	w, r := recursivePair(20)
	benchCheck(b, w, r)
}

// BenchmarkCompileLarge: the loader (parse, limits, metaschema validation,
// compilation) on the large writer, per draft.
func BenchmarkCompileLarge(b *testing.B) {
	for _, d := range []struct {
		name  string
		draft int
	}{{"draft-07", draft7}, {"2020-12", draft2020}} {
		b.Run(d.name, func(b *testing.B) {
			w, _, _ := largePair(d.draft)
			b.SetBytes(int64(len(w)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := compat.Compile(w, compat.LoadOptions{Source: "large"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDiffLargeInProcess: what `baton diff` does per run minus process
// start-up: compile both sides concurrently, then check.
func BenchmarkDiffLargeInProcess(b *testing.B) {
	w, r, _ := largePair(draft7)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var ws, rs *compat.Schema
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); ws = compileBench(b, "w", w) }()
		go func() { defer wg.Done(); rs = compileBench(b, "r", r) }()
		wg.Wait()
		benchSink = compat.Check(ws, rs, compat.Options{})
	}
}

// smallEventPair is the impact benchmark's pair: a closed 30-field event
// (f0 no longer required) against a consumer's 4-field open reader
// contract; requiring f0 makes it breaking.
func smallEventPair(breaking bool) (writer, reader []byte) {
	var props, req []string
	for i := range 30 {
		props = append(props, fmt.Sprintf(`"f%d":{"type":"string","maxLength":%d}`, i, 100+i))
		if i > 0 {
			req = append(req, fmt.Sprintf(`"f%d"`, i))
		}
	}
	writer = []byte(`{"type":"object","additionalProperties":false,"required":[` + strings.Join(req, ",") + `],"properties":{` + strings.Join(props, ",") + `}}`)
	need := "f3"
	if breaking {
		need = "f0"
	}
	reader = []byte(`{"type":"object","required":["` + need + `"],"properties":{"f0":{"type":"string"},"f3":{"type":"string"},"f7":{"type":"string"},"f12":{"type":"string"}}}`)
	return writer, reader
}

// BenchmarkCheckSmall: the per-check fixed cost on a small pair, the unit
// of work of an impact on a message with many consumers.
func BenchmarkCheckSmall(b *testing.B) {
	for _, breaking := range []bool{false, true} {
		b.Run(map[bool]string{false: "compatible", true: "breaking"}[breaking], func(b *testing.B) {
			w, r := smallEventPair(breaking)
			benchCheck(b, w, r)
		})
	}
}

// BenchmarkProposalCompile is the floor of a fresh proposal: the registry
// must compile each never-seen proposal once with jsonschema/v5, and
// nothing else it does should cost much beside that. v5-only is that one
// compile, bare (as any v5-based registry does it); compat is Compile
// (limits, repairs, the compile); check adds the first check of the
// compiled proposal against a writer compiled (and hashed) beforehand, as
// a check against a cached latest version. The registry's
// BenchmarkCheckFresh measures the whole request; its cpu-ms/op over
// v5-only's is the overhead ratio.
func BenchmarkProposalCompile(b *testing.B) {
	writer := []byte(eventschema.Object(50, "orders", 0))
	docs := make([][]byte, 256) // ever-new texts, as the load tool sends
	for i := range docs {
		docs[i] = []byte(eventschema.Object(50, "orders", int64(i+1)))
	}
	b.Run("v5-only", func(b *testing.B) {
		b.ReportAllocs()
		benchcpu.Report(b)
		for i := 0; i < b.N; i++ {
			c := jsonschema.NewCompiler()
			c.Draft = jsonschema.Draft7
			c.AssertFormat = true
			if err := c.AddResource("https://example.invalid/s.json", bytes.NewReader(docs[i%len(docs)])); err != nil {
				b.Fatal(err)
			}
			if _, err := c.Compile("https://example.invalid/s.json"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compat", func(b *testing.B) {
		b.ReportAllocs()
		benchcpu.Report(b)
		for i := 0; i < b.N; i++ {
			if _, err := compat.Compile(docs[i%len(docs)], compat.LoadOptions{Source: "proposal"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("check", func(b *testing.B) {
		w := compileBench(b, "writer", writer)
		compat.Check(w, w, compat.Options{}) // the writer's hashes, as a cached version has them
		b.ReportAllocs()
		benchcpu.Report(b)
		for i := 0; i < b.N; i++ {
			r, err := compat.Compile(docs[i%len(docs)], compat.LoadOptions{Source: "proposal"})
			if err != nil {
				b.Fatal(err)
			}
			benchSink = compat.Check(w, r, compat.Options{})
		}
	})
}
