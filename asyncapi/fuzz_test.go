package asyncapi

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/batonhq/baton/manifest"
)

// FuzzParse: any input either parses into a manifest whose payloads are
// JSON, or fails with a *manifest.Error; it never panics or loops.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{v3Shop, v2ShopJSON, extras[0], extras[1],
		"asyncapi: 3.0.0\ninfo: {title: a, version: '1'}\nx: &a [*a]\n",
		"asyncapi: 3.0.0\ninfo: &i {title: a, version: '1'}\ncomponents: {schemas: {A: {properties: {a: {$ref: '#/components/schemas/A'}}}}}\n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("fuzz.yaml", data, Options{})
		if err != nil {
			var me *manifest.Error
			if !errors.As(err, &me) {
				t.Fatalf("error %T %v is not a *manifest.Error", err, err)
			}
			return
		}
		for _, o := range append(m.Produces, m.Handles...) {
			if !json.Valid([]byte(o.Text)) {
				t.Fatalf("%s: payload is not JSON: %s", o.Subject, o.Text)
			}
		}
		for _, d := range append(m.Consumes, m.Sends...) {
			if d.Text != "" && !json.Valid([]byte(d.Text)) {
				t.Fatalf("%s: contract is not JSON: %s", d.Subject, d.Text)
			}
		}
	})
}
