package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/auth"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

func TestTokenCommand(t *testing.T) {
	t.Parallel()
	code, out, stderr := runCLI(t, "0123456789abcdef\n", "token", "hash")
	if code != 0 || out != "hash: sha256:9f9f5111f7b27a781f1f1ddde5ebc2dd2b796bfc7365c9c28b548e564176929f\n" {
		t.Errorf("token hash: exit %d, %q %q", code, out, stderr)
	}
	code, out, _ = runCLI(t, "", "token", "new")
	secret, _ := strings.CutPrefix(strings.Split(out, "\n")[0], "secret: ")
	want, err := auth.HashSecret(secret)
	if code != 0 || err != nil || !strings.Contains(out, "\nhash: "+want+"\n") || len(secret) != 64 {
		t.Errorf("token new: exit %d, %q (%v)", code, out, err)
	}
	for _, tc := range []struct{ stdin, want string }{
		{"", "no secret on stdin"},
		{"short\n", "use a random secret of at least 16"},
		{strings.Repeat("x", 5000), "longer than 4096 bytes"},
	} {
		code, _, stderr := runCLI(t, tc.stdin, "token", "hash")
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("token hash with %.20q: exit %d, %q; want 2 and %q", tc.stdin, code, stderr, tc.want)
		}
	}
	if code, _, _ := runCLI(t, "", "token", "print"); code != 2 {
		t.Errorf("token print: exit %d, want 2", code)
	}
}

// TestServeBadAuthFile: a broken token file stops serve before anything
// opens: exit 2, with the file and line of the problem.
func TestServeBadAuthFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "tokens.yaml")
	h, _ := auth.HashSecret("0123456789abcdef")
	if err := os.WriteFile(bad, []byte("tokens:\n  - name: ci\n    role: write\n    secret: hunter2hunter2hunter2\n    hash: "+h+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--auth", bad}, nil, bad + `:4: unknown field "secret"`},
		{nil, map[string]string{"BATON_AUTH": bad}, bad + ":4:"},
		{[]string{"--auth", filepath.Join(dir, "missing.yaml")}, nil, "missing.yaml: cannot read token file"},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data")}, tc.args...)
		code, _, stderr := runEnv(t, tc.env, args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v %v: exit %d, stderr %q; want 2 and %q", tc.args, tc.env, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
		t.Errorf("the data directory was created although serve refused to start")
	}
}

// TestPublishWithAuth: the CLI sends --token, BATON_TOKEN or URL
// credentials; a team's token publishes its own manifest (service first,
// so it owns its messages) but not another team's event; 401 and 403 exit
// 2 with the registry's message.
func TestPublishWithAuth(t *testing.T) {
	t.Parallel()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := registry.NewRegistrar(st, registry.Options{})
	var file strings.Builder
	file.WriteString("tokens:\n")
	for _, tk := range []struct{ name, extra string }{{"ci-order", "role: write, services: [order]"}, {"ci-payment", "role: write, services: [payment]"}} {
		h, err := auth.HashSecret("secret-of-" + tk.name)
		if err != nil {
			t.Fatal(err)
		}
		file.WriteString("  - {name: " + tk.name + ", " + tk.extra + ", hash: " + h + "}\n")
	}
	toks, err := auth.Parse("tokens.yaml", []byte(file.String()))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewServer(svc, httpapi.Options{Auth: auth.New(toks, svc)}))
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"order/baton.yaml":   "service: order\nevents:\n  produces:\n    - name: OrderPlaced\n      schema: s.json\n",
		"order/s.json":       `{"type":"object"}`,
		"payment/baton.yaml": "service: payment\nevents:\n  produces:\n    - name: PaymentCompleted\n      schema: s.json\n",
		"payment/s.json":     `{"type":"object"}`,
		"rogue/baton.yaml":   "service: payment\nevents:\n  produces:\n    - name: OrderPlaced\n      schema: s.json\n",
		"rogue/s.json":       `{"type":"object","properties":{"x":{"type":"string"}}}`,
	})
	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("ci-payment", "secret-of-ci-payment")
	env := map[string]string{"BATON_REGISTRY": srv.URL}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in stdout (exit 0) or stderr
	}{
		{"no token", env, []string{"publish", filepath.Join(dir, "order/baton.yaml")}, 2, "authentication required"},
		{"order with --token", env, []string{"publish", "--token", "secret-of-ci-order", filepath.Join(dir, "order/baton.yaml")}, 0, "OrderPlaced: version 1"},
		{"payment with BATON_TOKEN", map[string]string{"BATON_REGISTRY": srv.URL, "BATON_TOKEN": "secret-of-ci-payment"}, []string{"publish", filepath.Join(dir, "payment/baton.yaml")}, 0, "PaymentCompleted: version 1"},
		{"payment via URL credentials", nil, []string{"publish", "--registry", u.String(), filepath.Join(dir, "payment/baton.yaml")}, 0, "service payment registered"},
		{"payment claims OrderPlaced", env, []string{"publish", "--token", "secret-of-ci-payment", filepath.Join(dir, "rogue/baton.yaml")}, 2, "it is owned by service order"},
		{"wrong token", env, []string{"publish", "--token", "not-the-secret-0123", filepath.Join(dir, "order/baton.yaml")}, 2, "invalid credentials"},
	} {
		code, out, stderr := runEnv(t, tc.env, tc.args...)
		got := stderr
		if tc.code == 0 {
			got = out
		}
		if code != tc.code || !strings.Contains(got, tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d and %q", tc.name, code, out, stderr, tc.code, tc.want)
		}
		if strings.Contains(stderr+out, "secret-of-") {
			t.Errorf("%s: output shows a secret: %s %s", tc.name, out, stderr)
		}
	}
	v, err := svc.GetVersion(context.Background(), "OrderPlaced", "latest", false)
	if err != nil || v.Version.Version != 1 {
		t.Errorf("OrderPlaced after the refused publish: %+v %v", v, err)
	}
}

// TestServeWithAuth runs serve with a token file: probes stay open, the
// API wants credentials, and the server's log never shows a secret.
func TestServeWithAuth(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h, _ := auth.HashSecret("admin-secret-0123456789")
	tokens := filepath.Join(dir, "tokens.yaml")
	if err := os.WriteFile(tokens, []byte("tokens:\n  - {name: ops, role: admin, hash: "+h+"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := startServe(t, ctx, "--data", filepath.Join(dir, "data"), "--auth", tokens, "--log-level", "debug")
	base := srv.URL
	for _, tc := range []struct {
		path, secret string
		status       int
	}{
		{"/healthz", "", 200},
		{"/subjects", "", 401},
		{"/subjects", "wrong-secret-0123456789", 401},
		{"/subjects", "admin-secret-0123456789", 200},
		{"/v1/audit", "admin-secret-0123456789", 200},
	} {
		req, _ := http.NewRequest("GET", base+tc.path, nil)
		if tc.secret != "" {
			req.Header.Set("Authorization", "Bearer "+tc.secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s with %q: %d, want %d", tc.path, tc.secret, resp.StatusCode, tc.status)
		}
	}
	cancel()
	if err := <-srv.Result; err != nil {
		t.Fatalf("serve: %v", err)
	}
	out := <-srv.Log
	if !strings.Contains(out, `"msg":"auth","enabled":true,"tokens":1`) || !strings.Contains(out, `"route":"/subjects"`) {
		t.Errorf("log lacks the auth line or the access log:\n%s", out)
	}
	if strings.Contains(out, "secret-0123456789") || strings.Contains(out, "Bearer") {
		t.Errorf("log shows credentials:\n%s", out)
	}
}
