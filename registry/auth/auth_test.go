package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/auth"
)

func hash(t *testing.T, secret string) string {
	t.Helper()
	h, err := auth.HashSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashSecret(t *testing.T) {
	t.Parallel()
	// sha256("0123456789abcdef"), computed independently with sha256sum.
	if got := hash(t, "0123456789abcdef"); got != "sha256:9f9f5111f7b27a781f1f1ddde5ebc2dd2b796bfc7365c9c28b548e564176929f" {
		t.Errorf("HashSecret = %s", got)
	}
	for _, bad := range []string{"short", "", "has a space in it ok", "tab\there-0123456789"} {
		if _, err := auth.HashSecret(bad); err == nil {
			t.Errorf("HashSecret(%q) accepted", bad)
		}
	}
}

// TestParseErrors: every mistake in a token file is refused with the line
// it is on.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	h1 := hash(t, "secret-one-0123456789")
	h2 := hash(t, "secret-two-0123456789")
	for _, tc := range []struct {
		name, file, want string
	}{
		{"empty", "", "tokens.yaml: token file is empty"},
		{"not yaml", "tokens:\n  - name: a\n    role: [read\n", "tokens.yaml:2: invalid YAML: did not find expected"},
		{"unknown top field", "tokens: []\nusers: []\n", `tokens.yaml:2: unknown field "users"`},
		{"empty list", "tokens: []\n", "tokens.yaml:1: \"tokens\" must be a non-empty list"},
		{"unknown token field", "tokens:\n  - name: a\n    role: read\n    hash: " + h1 + "\n    color: red\n", `tokens.yaml:5: unknown field "color"`},
		{"plaintext secret", "tokens:\n  - name: a\n    role: read\n    secret: hunter2\n", "tokens.yaml:4: unknown field \"secret\" in token (fields: name, role, services, hash): store only the hash"},
		{"bad role", "tokens:\n  - name: a\n    role: root\n    hash: " + h1 + "\n", `tokens.yaml:3: role "root" is not read, write or admin`},
		{"bad hash", "tokens:\n  - name: a\n    role: read\n    hash: md5:abc\n", "tokens.yaml:4: hash must be sha256:"},
		{"no hash", "tokens:\n  - name: a\n    role: read\n", "tokens.yaml:2: token a has no hash"},
		{"no role", "tokens:\n  - name: a\n    hash: " + h1 + "\n", "tokens.yaml:2: token a has no role"},
		{"bad name", "tokens:\n  - name: 'a:b'\n    role: read\n    hash: " + h1 + "\n", `tokens.yaml:2: invalid token name "a:b"`},
		{"duplicate name", "tokens:\n  - {name: a, role: read, hash: " + h1 + "}\n  - {name: a, role: read, hash: " + h2 + "}\n", "tokens.yaml:3: token name a already used on line 2"},
		{"duplicate secret", "tokens:\n  - {name: a, role: read, hash: " + h1 + "}\n  - {name: b, role: admin, hash: " + h1 + "}\n", "tokens.yaml:3: token b has the same secret as token a"},
		{"services on admin", "tokens:\n  - {name: a, role: admin, services: [order], hash: " + h1 + "}\n", "tokens.yaml:2: token a: services restrict write tokens only"},
		{"bad service", "tokens:\n  - name: a\n    role: write\n    services: [order, 'x y']\n    hash: " + h1 + "\n", `tokens.yaml:4: invalid service name "x y"`},
		{"services not a list", "tokens:\n  - name: a\n    role: write\n    services: order\n    hash: " + h1 + "\n", "tokens.yaml:4: services must be a list"},
		{"field twice", "tokens:\n  - name: a\n    name: b\n", `tokens.yaml:3: field "name" given twice`},
		{"two documents", "tokens:\n  - {name: a, role: read, hash: " + h1 + "}\n---\ntokens: []\n", "more than one YAML document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := auth.Parse("tokens.yaml", []byte(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// owners is a fixed ownership table (the HTTP tests use the real Service).
type owners map[string][]string

func (o owners) SubjectOwners(_ context.Context, subject string) ([]string, bool, error) {
	list, ok := o[subject]
	return list, ok, nil
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	file := "tokens:\n" +
		"  - {name: reader, role: read, hash: " + hash(t, "reader-secret-0123456789") + "}\n" +
		"  - {name: ci-pay, role: write, services: [payment], hash: " + hash(t, "pay-secret-0123456789") + "}\n"
	toks, err := auth.Parse("t.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(toks, owners{})
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		header, want string // want "" = refused
	}{
		{"Bearer reader-secret-0123456789", "reader"},
		{"bearer   pay-secret-0123456789", "ci-pay"},
		{basic("ci-pay:pay-secret-0123456789"), "ci-pay"},
		{basic("reader:reader-secret-0123456789"), "reader"},
		{basic("reader:pay-secret-0123456789"), ""}, // a valid secret under another name
		{basic("nobody:pay-secret-0123456789"), ""},
		{basic("reader"), ""},
		{"Basic !!!", ""},
		{"Bearer wrong-secret-0123456789", ""},
		{"Bearer ", ""},
		{"Token reader-secret-0123456789", ""},
		{"", ""},
	} {
		tok, err := a.Authenticate(tc.header)
		switch {
		case tc.want == "" && (err == nil || !errors.Is(err, registry.ErrUnauthorized)):
			t.Errorf("%q: got %v, %v; want 401", tc.header, tok, err)
		case tc.want != "" && (err != nil || tok.Name != tc.want):
			t.Errorf("%q: got %v, %v; want token %s", tc.header, tok, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "secret-0123456789") || strings.Contains(err.Error(), tc.header) && tc.header != "") {
			t.Errorf("%q: error repeats the credentials: %v", tc.header, err)
		}
	}
}

// TestOwnershipRule: the decisions for a token restricted to payment.
func TestOwnershipRule(t *testing.T) {
	t.Parallel()
	toks, err := auth.Parse("t.yaml", []byte("tokens:\n  - {name: ci-pay, role: write, services: [payment], hash: "+hash(t, "pay-secret-0123456789")+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(toks, owners{
		"OrderPlaced":      {"order"},
		"PaymentCompleted": {"payment"},
		"Shared":           {"order", "payment"},
		"Legacy":           nil, // has versions, no owner
	})
	tok := &toks[0]
	for _, tc := range []struct {
		name string
		req  auth.Request
		want string // "" allowed; else part of the 403 message
	}{
		{"publish own event", auth.Request{Access: auth.WriteSubject, Subject: "PaymentCompleted"}, ""},
		{"publish co-owned", auth.Request{Access: auth.WriteSubject, Subject: "Shared"}, ""},
		{"publish other team's event", auth.Request{Access: auth.WriteSubject, Subject: "OrderPlaced"}, "owned by service order"},
		{"publish unowned new subject", auth.Request{Access: auth.WriteSubject, Subject: "Brand-new"}, "register the service that produces or handles it first"},
		{"publish unowned used subject", auth.Request{Access: auth.WriteSubject, Subject: "Legacy"}, "no registered service owns it yet"},
		{"register own service", auth.Request{Access: auth.WriteService, Service: "payment", Claims: []string{"PaymentCompleted", "Brand-new"}}, ""},
		{"register other service", auth.Request{Access: auth.WriteService, Service: "order"}, "may register only its services (payment), not service order"},
		{"claim other team's event", auth.Request{Access: auth.WriteService, Service: "payment", Claims: []string{"OrderPlaced"}}, "owned by service order"},
		{"claim used unowned subject", auth.Request{Access: auth.WriteService, Service: "payment", Claims: []string{"Legacy"}}, "already has versions but no registered owner"},
		{"read", auth.Request{Access: auth.Read}, ""},
		{"admin route", auth.Request{Access: auth.Admin, Method: "DELETE", Route: "/subjects/{subject}"}, "token ci-pay has role write; DELETE /subjects/{subject} needs the admin role"},
	} {
		err := a.Authorize(context.Background(), tok, tc.req)
		if tc.want == "" && err != nil {
			t.Errorf("%s: refused: %v", tc.name, err)
		}
		if tc.want != "" && (!errors.Is(err, registry.ErrForbidden) || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: got %v, want 403 containing %q", tc.name, err, tc.want)
		}
	}
}
