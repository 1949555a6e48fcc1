package auth_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/batonhq/baton/registry/auth"
)

// BenchmarkAuthenticate: the cost of checking credentials against every
// token (no early exit), by token file size.
func BenchmarkAuthenticate(b *testing.B) {
	for _, n := range []int{10, 1000} {
		var f strings.Builder
		f.WriteString("tokens:\n")
		for i := range n {
			h, err := auth.HashSecret(fmt.Sprintf("secret-number-%06d", i))
			if err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(&f, "  - {name: t%d, role: read, hash: %s}\n", i, h)
		}
		toks, err := auth.Parse("bench.yaml", []byte(f.String()))
		if err != nil {
			b.Fatal(err)
		}
		a := auth.New(toks, nil)
		last := n - 1
		for _, tc := range []struct{ name, header string }{
			{"bearer", fmt.Sprintf("Bearer secret-number-%06d", last)},
			{"basic", "Basic " + base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "t%d:secret-number-%06d", last, last))},
			{"wrong", "Bearer secret-number-xxxxxx"},
		} {
			b.Run(fmt.Sprintf("tokens=%d/%s", n, tc.name), func(b *testing.B) {
				for b.Loop() {
					a.Authenticate(tc.header)
				}
			})
		}
	}
}
