package compat_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/google/go-cmp/cmp"
)

// TestSharedSamplesDeterministic: checks that share a writer share its
// samples, and yet each report (witnesses included) is the same as with a
// freshly compiled writer, whatever order or concurrency the checks ran in.
func TestSharedSamplesDeterministic(t *testing.T) {
	t.Parallel()
	writer := []byte(`{"type":"object","additionalProperties":false,"required":["id","kind","items"],"properties":{
		"id":{"type":"string","minLength":3},"kind":{"enum":["a","b"]},"note":{"type":"string"},
		"items":{"type":"array","minItems":1,"items":{"$ref":"#/definitions/item"}}},
		"definitions":{"item":{"type":"object","required":["sku","qty"],"properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":1}}}}}`)
	var readers [][]byte
	for i := range 12 {
		switch i % 4 {
		case 0: // requires a property the writer may omit
			readers = append(readers, []byte(fmt.Sprintf(`{"title":"r%d","type":"object","required":["note"]}`, i)))
		case 1: // narrows a nested value
			readers = append(readers, []byte(fmt.Sprintf(`{"title":"r%d","properties":{"items":{"items":{"properties":{"qty":{"maximum":%d}}}}}}`, i, i)))
		case 2: // compatible
			readers = append(readers, []byte(fmt.Sprintf(`{"title":"r%d","type":"object","required":["id"]}`, i)))
		default: // closes the model
			readers = append(readers, []byte(fmt.Sprintf(`{"title":"r%d","type":"object","additionalProperties":false,"properties":{"id":{},"kind":{}}}`, i)))
		}
	}
	// Each report on its own freshly compiled writer: nothing shared.
	want := make([]compat.Report, len(readers))
	for i, r := range readers {
		want[i] = compat.Check(compileBench(t, "w", writer), compileBench(t, "r", r), compat.Options{})
	}
	if want[0].Compatible || want[1].Compatible || !want[2].Compatible || want[3].Compatible || want[0].Findings[0].Example == nil {
		t.Fatalf("unexpected verdicts: %+v", want[:4])
	}
	rs := make([]*compat.Schema, len(readers))
	for i, r := range readers {
		rs[i] = compileBench(t, "r", r)
	}
	for _, order := range []string{"forward", "backward", "concurrent"} {
		w := compileBench(t, "w", writer) // shared by this round's checks
		got := make([]compat.Report, len(readers))
		idx := make([]int, len(readers))
		for i := range idx {
			idx[i] = i
		}
		switch order {
		case "backward":
			slices.Reverse(idx)
			fallthrough
		case "forward":
			for _, i := range idx {
				got[i] = compat.Check(w, rs[i], compat.Options{})
			}
		case "concurrent":
			var wg sync.WaitGroup
			for round := range 3 {
				for _, i := range idx {
					wg.Add(1)
					go func() {
						defer wg.Done()
						rep := compat.Check(w, rs[i], compat.Options{})
						if round == 0 {
							got[i] = rep
						}
					}()
				}
			}
			wg.Wait()
		}
		for i := range readers {
			if d := cmp.Diff(want[i], got[i]); d != "" {
				t.Errorf("%s: reader %d (-fresh +shared):\n%s", order, i, d)
			}
		}
	}
}
