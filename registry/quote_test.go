package registry_test

import (
	"strings"
	"testing"

	"github.com/batonhq/baton/registry"
)

// TestQuote: error messages repeat at most MaxQuote bytes of input, cut
// at a character boundary, and say how long the input was (issue 14 #11).
func TestQuote(t *testing.T) {
	long := strings.Repeat("a", registry.MaxQuote-1) + "é" + strings.Repeat("b", 1<<20)
	for _, c := range []struct{ in, quote, clip string }{
		{"BACKWARD", `"BACKWARD"`, "BACKWARD"},
		{"a\nb", `"a\nb"`, "a\nb"},
		{strings.Repeat("x", registry.MaxQuote), `"` + strings.Repeat("x", registry.MaxQuote) + `"`, strings.Repeat("x", registry.MaxQuote)},
		{strings.Repeat("x", 1<<20), `"` + strings.Repeat("x", registry.MaxQuote) + `"… (1048576 bytes)`, strings.Repeat("x", registry.MaxQuote) + "… (1048576 bytes)"},
		// "é" would straddle the cut: it is left out whole.
		{long, `"` + strings.Repeat("a", registry.MaxQuote-1) + `"… (1048677 bytes)`, strings.Repeat("a", registry.MaxQuote-1) + "… (1048677 bytes)"},
	} {
		if got := registry.Quote(c.in); got != c.quote {
			t.Errorf("Quote(%.20q…) = %.200s, want %.200s", c.in, got, c.quote)
		}
		if got := registry.Clip(c.in); got != c.clip {
			t.Errorf("Clip(%.20q…) = %.200s, want %.200s", c.in, got, c.clip)
		}
	}
}
