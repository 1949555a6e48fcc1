package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/google/go-cmp/cmp"
)

func TestFindingLine(t *testing.T) {
	for _, tc := range []struct {
		f    compat.Finding
		want string
	}{
		{compat.Finding{Rule: "type-narrowed", Path: "", Breaking: true, Message: "m"},
			"type-narrowed at /: m"},
		{compat.Finding{Rule: "required-property-added", Path: "/required", Breaking: true, Direction: "backward", Version: 2, Message: "property `email` is now required"},
			"required-property-added at /required (backward, version 2): property `email` is now required"},
		{compat.Finding{Rule: "property-added-to-open-model", Path: "/properties/a", Direction: "forward", Message: "m"},
			"(not breaking) property-added-to-open-model at /properties/a (forward): m"},
		{compat.Finding{Rule: "maximum-decreased", Path: "/maximum", Breaking: true, Version: 3, Message: "m", Example: json.RawMessage(`{"a":1}`)},
			"maximum-decreased at /maximum (version 3): m"},
	} {
		if got := FindingLine(tc.f); got != tc.want {
			t.Errorf("FindingLine(%+v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestCombinedMode(t *testing.T) {
	items := func(modes ...string) []Item {
		var out []Item
		for _, m := range modes {
			out = append(out, Item{Mode: m})
		}
		return out
	}
	for _, tc := range []struct {
		modes []string
		want  string
	}{
		{nil, "backward"},
		{[]string{"forward", "forward"}, "forward"},
		{[]string{"backward_transitive"}, "backward_transitive"},
		{[]string{"backward", "forward"}, "full"},
		{[]string{"none", "forward"}, "forward"},
		{[]string{"none", "backward"}, "backward"},
		{[]string{"full_transitive", "backward"}, "full"},
	} {
		if got := CombinedMode(items(tc.modes...)); got != tc.want {
			t.Errorf("CombinedMode(%v) = %q, want %q", tc.modes, got, tc.want)
		}
	}
}

// TestResultWireJSON: a registry's answer to a manifest check decodes to the
// result it encoded (schema texts aside), and keeps what the annotation
// formats need: direction, writerPath and version of each finding.
func TestResultWireJSON(t *testing.T) {
	r := checkResult(t)
	r.Items[0].Findings[0].WriterPath = "/properties/amount"
	r.Items[0].Findings[1].Version = 2
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"compatible":false`, `"mode":"backward"`, `"baseFile":"registry:payments.captured@2"`,
		`"writerPath":"/properties/amount"`, `"direction":"backward"`, `"version":2`, `"changes":[]`} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("encoded result lacks %s:\n%s", want, data)
		}
	}
	var got Result
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	want := r
	want.Command = ""
	for i := range want.Items {
		want.Items[i].Schema = nil
		want.Items[i].Mode = r.modeOf(r.Items[i])
		if want.Items[i].Findings == nil {
			want.Items[i].Findings = []compat.Finding{}
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("decoded result (-want +got):\n%s", d)
	}
}
