package compat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/batonhq/baton/compat"
)

// selfRefPair: an object with n properties that each $ref back to the
// root, plus one breaking change (a number property narrowed to integer).
// Every path through the recursion reaches the change.
func selfRefPair(n int) (writer, reader []byte) {
	build := func(leaf string) map[string]any {
		props := map[string]any{"x": map[string]any{"type": leaf}}
		for i := 0; i < n; i++ {
			props[fmt.Sprintf("p%d", i)] = map[string]any{"$ref": "#"}
		}
		return map[string]any{"type": "object", "properties": props}
	}
	return marshal(build("number")), marshal(build("integer"))
}

// TestSelfRefLinear: the check's steps grow linearly with the number of
// recursive properties (it was exponential: N=16 took 35 s), and the
// verdict is the breaking change, with a witness.
func TestSelfRefLinear(t *testing.T) {
	for _, n := range []int{10, 20, 40, 80} {
		w, r := selfRefPair(n)
		ws, rs := compileBench(t, "writer", w), compileBench(t, "reader", r)
		rep := compat.Check(ws, rs, compat.Options{MaxSteps: 10 * n})
		if rep.Compatible || len(rep.Findings) != 1 {
			t.Fatalf("n=%d: want one finding, got %+v", n, rep.Findings)
		}
		f := rep.Findings[0]
		if f.Rule != "type-narrowed" || f.Path != "/properties/x/type" || f.Example == nil {
			t.Errorf("n=%d: want type-narrowed at /properties/x/type with a witness, got %+v", n, f)
		}
		if back := compat.Check(rs, ws, compat.Options{MaxSteps: 10 * n}); !back.Compatible {
			t.Errorf("n=%d: integer -> number must be compatible: %+v", n, back.Findings)
		}
	}
}

func BenchmarkSelfRef(b *testing.B) {
	for _, n := range []int{10, 20, 40} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			w, r := selfRefPair(n)
			benchCheck(b, w, r)
		})
	}
}

// enumPair: two n-value enums of strings, numbers and objects; the reader
// lacks the writer's first value of each kind.
func enumPair(n int) (writer, reader []byte) {
	build := func(skip bool) []byte {
		var vals []any
		for i := 0; i < n; i++ {
			if skip && i < 3 {
				continue
			}
			switch i % 3 {
			case 0:
				vals = append(vals, fmt.Sprintf("value-%d", i))
			case 1:
				vals = append(vals, json.Number(fmt.Sprintf("%d.5", i)))
			default:
				vals = append(vals, map[string]any{"id": json.Number(fmt.Sprint(i)), "tag": "t"})
			}
		}
		return marshal(map[string]any{"enum": vals})
	}
	return build(false), build(true)
}

func TestLargeEnum(t *testing.T) {
	w, r := enumPair(10_000)
	ws, rs := compileBench(t, "writer", w), compileBench(t, "reader", r)
	rep := compat.Check(ws, rs, compat.Options{})
	if rep.Compatible || len(rep.Findings) != 1 || rep.Findings[0].Rule != "enum-value-removed" || rep.Findings[0].Example == nil {
		t.Fatalf("want one enum-value-removed with a witness, got %+v", rep.Findings)
	}
	if back := compat.Check(rs, ws, compat.Options{}); !back.Compatible {
		t.Errorf("a subset enum must be compatible: %+v", back.Findings)
	}
	// The same values spelled differently (1.50 for 1.5, keys reordered)
	// are the same enum.
	respelled := []byte(`{"enum":["value-0",1.50,{"tag":"t","id":2}]}`)
	same := []byte(`{"enum":["value-0",1.5,{"id":2,"tag":"t"}]}`)
	a, b := compileBench(t, "a", respelled), compileBench(t, "b", same)
	if rep := compat.Check(a, b, compat.Options{}); !rep.Compatible {
		t.Errorf("respelled values must match: %+v", rep.Findings)
	}
}

func BenchmarkEnum10k(b *testing.B) {
	w, r := enumPair(10_000)
	benchCheck(b, w, r)
}

func TestBudgets(t *testing.T) {
	w, r := recursivePair(20) // compatible, but only after comparing every definition
	ws, rs := compileBench(t, "writer", w), compileBench(t, "reader", r)
	cases := []struct {
		name string
		opts compat.Options
		flag string
	}{
		{"steps CLI", compat.Options{MaxSteps: 3}, "--max-steps"},
		{"memory CLI", compat.Options{MaxMemory: 100}, "--max-memory"},
		{"steps serve", compat.Options{MaxSteps: 3, StepsFlag: "--max-check-steps"}, "--max-check-steps"},
		{"memory serve", compat.Options{MaxMemory: 100, MemoryFlag: "--max-check-memory"}, "--max-check-memory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := compat.Check(ws, rs, tc.opts)
			if rep.Compatible || len(rep.Findings) == 0 {
				t.Fatalf("out of budget must be incompatible, got %+v", rep)
			}
			n := 0
			for _, f := range rep.Findings {
				if f.Rule == "undecidable-complexity" {
					n++
					if !strings.Contains(f.Message, tc.flag) {
						t.Errorf("message must name %s: %q", tc.flag, f.Message)
					}
				}
			}
			if n != 1 {
				t.Errorf("want exactly one undecidable-complexity finding, got %+v", rep.Findings)
			}
		})
	}
}

func TestCheckContextCancelled(t *testing.T) {
	w, r := enumPair(3000)
	ws, rs := compileBench(t, "writer", w), compileBench(t, "reader", r)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := compat.CheckContext(ctx, ws, rs, compat.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled, got %v", err)
	}
	if _, err := compat.CheckModeContext(ctx, compat.Full, []*compat.Schema{ws}, rs, compat.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("mode: want context.Canceled, got %v", err)
	}
	rep, err := compat.CheckContext(context.Background(), ws, rs, compat.Options{})
	if err != nil || rep.Compatible {
		t.Errorf("uncancelled: want incompatible, got %+v, %v", rep, err)
	}
}
