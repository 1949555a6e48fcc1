package report

import (
	"os"
	"testing"
)

func TestPointerLine(t *testing.T) {
	doc, err := os.ReadFile("testdata/payment.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ptr   string
		line  int
		exact bool
	}{
		{"", 1, true},
		{"#", 1, true},
		{"/title", 3, true},
		{"/properties", 5, true},
		{"/properties/amount", 6, true},
		{"/properties/amount/maximum", 9, true},
		{"/properties/currency/enum", 12, true},
		{"/properties/currency/enum/0", 13, true},
		{"/properties/currency/enum/1", 14, true},
		{"/properties/a~1b", 17, true},
		{"/properties/t~0i/type", 18, true},
		{"/properties/lines/prefixItems/1", 23, true},
		{"/properties/lines/prefixItems/1/minimum", 25, true},
		{"/required", 30, true},
		{"/required/1", 32, true},
		{"/$defs/money/multipleOf", 35, true},
		{"#/$defs/money", 35, true},
		// Missing: deepest existing ancestor.
		{"/properties/amount/exclusiveMaximum", 6, false},
		{"/properties/nope/type", 5, false},
		{"/properties/currency/enum/2", 12, false},
		{"/properties/currency/enum/x", 12, false},
		{"/title/x", 3, false},
		// Not a pointer into this document.
		{"other.json#/properties", 1, false},
		{"properties", 1, false},
	}
	for _, tt := range tests {
		line, exact := PointerLine(doc, tt.ptr)
		if line != tt.line || exact != tt.exact {
			t.Errorf("PointerLine(%q) = %d, %v; want %d, %v", tt.ptr, line, exact, tt.line, tt.exact)
		}
	}
}

// TestPointerLineCompact: a one-line member value still maps to its key's line.
func TestPointerLineCompact(t *testing.T) {
	doc := []byte("{\"a\": {\"b\": [1, {\"c\": 2}]},\n \"d\":\n   {\"e\": true}}")
	for ptr, want := range map[string]int{"/a/b/1/c": 1, "/d": 2, "/d/e": 3} {
		if got, exact := PointerLine(doc, ptr); got != want || !exact {
			t.Errorf("PointerLine(%q) = %d, %v; want %d, true", ptr, got, exact, want)
		}
	}
}

func TestPointerLineBadInput(t *testing.T) {
	for _, doc := range []string{"", "   ", "{", `{"a": [1, 2`, `{"a" 1}`} {
		if line, exact := PointerLine([]byte(doc), "/a/5"); exact {
			t.Errorf("%q: exact match %d in a broken document", doc, line)
		}
	}
	if line, _ := PointerLine(nil, ""); line != 0 {
		t.Errorf("empty document: line %d, want 0", line)
	}
}
