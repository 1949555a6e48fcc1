package registry_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/batonhq/baton/registry"
)

func fp(t *testing.T, text string, refs ...registry.Reference) string {
	t.Helper()
	f, err := registry.Fingerprint(text, refs)
	if err != nil {
		t.Fatalf("Fingerprint(%s): %v", text, err)
	}
	return f
}

func TestFingerprintCanonical(t *testing.T) {
	same := [][]string{
		{`{"b":1,"a":[true,null,"x"]}`, "{\n  \"a\" : [ true , null , \"x\" ],\n\t\"b\": 1\n}\n"},
		{`{"s":"A\u00e9/"}`, `{"s":"\u0041é\/"}`},
		{`{"a":{"d":1,"c":2}}`, `{"a":{"c":2,"d":1}}`},
	}
	for _, p := range same {
		if a, b := fp(t, p[0]), fp(t, p[1]); a != b {
			t.Errorf("%s and %s: fingerprints differ", p[0], p[1])
		}
	}
	differ := [][]string{
		{`{"maximum":1}`, `{"maximum":1.0}`}, // numbers keep their literal text
		{`{"maximum":1}`, `{"maximum":1e0}`},
		{`{"a":"x"}`, `{"a":"X"}`},
		{`{"a":[1,2]}`, `{"a":[2,1]}`},
		{`{"a":null}`, `{}`},
	}
	for _, p := range differ {
		if fp(t, p[0]) == fp(t, p[1]) {
			t.Errorf("%s and %s: same fingerprint", p[0], p[1])
		}
	}
	// Without references the fingerprint is the SHA-256 of the canonical text.
	sum := sha256.Sum256([]byte(`{"a":[true,null,"x\n\"\u0001"],"b":1}`))
	if got := fp(t, "{ \"b\":1, \"a\":[true,null,\"x\\n\\\"\\u0001\"] }"); got != hex.EncodeToString(sum[:]) {
		t.Errorf("fingerprint = %s, want sha256 of the canonical form %x", got, sum)
	}
}

func TestFingerprintReferences(t *testing.T) {
	text := `{"$ref":"c.json"}`
	r1 := registry.Reference{Name: "c.json", Subject: "customer", Version: 1}
	r2 := registry.Reference{Name: "c.json", Subject: "customer", Version: 2}
	plain, with1, with2 := fp(t, text), fp(t, text, r1), fp(t, text, r2)
	if plain == with1 || with1 == with2 {
		t.Errorf("references must change the fingerprint: %s %s %s", plain, with1, with2)
	}
	if fp(t, text, r1) != with1 {
		t.Error("fingerprint not deterministic")
	}
	// Field boundaries are encoded, so shifting text between fields differs.
	a := registry.Reference{Name: "ab", Subject: "c", Version: 1}
	b := registry.Reference{Name: "a", Subject: "bc", Version: 1}
	if fp(t, text, a) == fp(t, text, b) {
		t.Error("references {ab,c} and {a,bc} collide")
	}
}

func TestFingerprintInvalidJSON(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"{\n  \"type\": \"object\",\n  }", "line 3"},
		{`{"a":1} trailing`, "line 1"},
		{``, "Invalid schema"},
		{`{"a":`, "line 1"},
	} {
		_, err := registry.Fingerprint(tc.text, nil)
		var e *registry.Error
		if !errors.As(err, &e) || e.Kind != registry.KindInvalid || e.Code != registry.CodeInvalidSchema {
			t.Errorf("Fingerprint(%q) err = %v, want 42201", tc.text, err)
			continue
		}
		if !strings.Contains(e.Message, tc.want) {
			t.Errorf("Fingerprint(%q) message %q lacks %q", tc.text, e.Message, tc.want)
		}
	}
}
