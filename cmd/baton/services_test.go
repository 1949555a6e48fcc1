package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
	"github.com/batonhq/baton/report"
)

// startRegistry serves a fresh registry on a loopback httptest server.
func startRegistry(t *testing.T) string {
	t.Helper()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(httpapi.NewServer(registry.NewRegistrar(st, registry.Options{}), httpapi.Options{}))
	t.Cleanup(srv.Close) // before the store closes (LIFO)
	return srv.URL
}

// runEnv runs the CLI in-process with the given environment.
func runEnv(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestServiceCommands(t *testing.T) {
	url := startRegistry(t)
	env := map[string]string{"BATON_REGISTRY": url, "BATON_TOKEN": "s3cret-token"}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"producer/baton.yaml": "service: producer\nowner: team-p\nevents:\n  produces:\n    - name: Thing\n      schema: thing.json\n",
		"producer/thing.json": `{"type":"object","additionalProperties":false,"required":["id","name"],"properties":{"id":{"type":"string"},"name":{"type":"string"}}}`,
		"producer/v2.json":    `{"type":"object","additionalProperties":false,"required":["id"],"properties":{"id":{"type":"string"},"name":{"type":"string"}}}`,
		"reader/baton.yaml":   "service: reader\nevents:\n  consumes:\n    - name: Thing\n      contract: c.json\n",
		"reader/c.json":       `{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}`,
	})
	for _, m := range []string{"producer", "reader", "producer"} { // publishing again is idempotent
		code, out, errOut := runEnv(t, env, "publish", filepath.Join(dir, m, "baton.yaml"))
		if code != 0 {
			t.Fatalf("publish %s = %d\n%s%s", m, code, out, errOut)
		}
		if strings.Contains(out+errOut, "s3cret") {
			t.Fatal("the token was printed")
		}
	}
	code, out, _ := runEnv(t, env, "check", filepath.Join(dir, "reader", "baton.yaml"))
	if code != 0 || !strings.Contains(out, "ok Thing → reader (consumes) (") {
		t.Fatalf("check reader = %d\n%s", code, out)
	}

	// v2 drops the guarantee of name, which reader relies on.
	code, out, _ = runEnv(t, env, "impact", "Thing", filepath.Join(dir, "producer", "v2.json"))
	if code != 1 || !strings.Contains(out, "breaking Thing → reader (consumes)") || !strings.Contains(out, "example:") {
		t.Fatalf("impact = %d\n%s", code, out)
	}
	code, out, _ = runEnv(t, env, "impact", "--format", "json", "Thing", filepath.Join(dir, "producer", "thing.json"))
	var rep itemsReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || !rep.Compatible || len(rep.Items) != 1 || rep.Items[0].Service != "reader" || !rep.Items[0].Compatible {
		t.Fatalf("impact of the current schema = %d\n%s", code, out)
	}

	// check of the producer with v2 in place: exit 1, nothing written.
	writeFiles(t, dir, map[string]string{"producer/thing.json": `{"type":"object","additionalProperties":false,"required":["id"],"properties":{"id":{"type":"string"},"name":{"type":"string"}}}`})
	code, out, _ = runEnv(t, env, "check", "--format", "json", filepath.Join(dir, "producer", "baton.yaml"))
	if code != 1 || !strings.Contains(out, `"compatible": false`) {
		t.Fatalf("check producer v2 = %d\n%s", code, out)
	}
	code, out, _ = runEnv(t, env, "publish", filepath.Join(dir, "producer", "baton.yaml"))
	if code != 1 || !strings.Contains(out, "IMPACTED reader (consumes)") {
		t.Fatalf("publish producer v2 = %d\n%s", code, out)
	}
	code, out, _ = runEnv(t, env, "publish", "--format", "json", filepath.Join(dir, "producer", "baton.yaml"))
	var refusal struct {
		Findings []json.RawMessage `json:"findings"`
		Impacted []struct {
			Service string `json:"service"`
		} `json:"impacted"`
	}
	if code != 1 || json.Unmarshal([]byte(out), &refusal) != nil || len(refusal.Findings) == 0 || len(refusal.Impacted) != 1 || refusal.Impacted[0].Service != "reader" {
		t.Fatalf("publish --format json producer v2 = %d\n%s", code, out)
	}

	code, out, _ = runEnv(t, env, "graph", "--format", "dot")
	if code != 0 || !strings.Contains(out, `"service:producer" -> "event:Thing" [label="produces"]`) || !strings.Contains(out, `"event:Thing" -> "service:reader" [label="consumes"]`) {
		t.Fatalf("graph dot = %d\n%s", code, out)
	}
	code, out, _ = runEnv(t, env, "graph", "--format", "mermaid")
	if code != 0 || !strings.HasPrefix(out, "flowchart LR\n") || !strings.Contains(out, "-->|consumes|") {
		t.Fatalf("graph mermaid = %d\n%s", code, out)
	}
	code, out, _ = runEnv(t, env, "graph")
	if code != 0 || out != "reader consumes event Thing\nproducer produces event Thing\n" {
		t.Fatalf("graph text = %d\n%q", code, out)
	}
}

// itemsReport is the documented JSON report of check and impact.
type itemsReport struct {
	Compatible bool              `json:"compatible"`
	Mode       string            `json:"mode"`
	Items      []report.JSONItem `json:"items"`
}

func TestServiceCommandErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"bad.yaml": "service: x\nowner: y\nunknown: z\n"})
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"impact", "S", "x.json"}, "no registry"},
		{map[string]string{"BATON_REGISTRY": "http://127.0.0.1:1"}, []string{"graph", "--format", "svg"}, "--format must be one of"},
		{map[string]string{"BATON_REGISTRY": "http://127.0.0.1:1"}, []string{"impact", "S"}, "impact needs"},
		{map[string]string{"BATON_REGISTRY": "http://127.0.0.1:1"}, []string{"publish", filepath.Join(dir, "bad.yaml")}, "bad.yaml:3: unknown: unknown field"},
		{map[string]string{"BATON_REGISTRY": "http://127.0.0.1:1"}, []string{"graph"}, "registry unreachable"},
	} {
		code, _, errOut := runEnv(t, tc.env, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v = %d %q, want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}
