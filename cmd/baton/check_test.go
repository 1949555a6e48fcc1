package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

// requestLog records the requests a test registry answered.
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.reqs
	l.reqs = nil
	return out
}

// startLoggedRegistry serves a fresh registry on loopback, logging every
// request it answers, and returns its URL, the log and a Go client.
func startLoggedRegistry(t *testing.T) (string, *requestLog, *httpapi.Client) {
	t.Helper()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := httpapi.NewServer(registry.NewRegistrar(st, registry.Options{}), httpapi.Options{})
	log := &requestLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.mu.Lock()
		log.reqs = append(log.reqs, r.Method+" "+r.URL.Path)
		log.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, log, httpapi.NewClient(srv.URL)
}

// TestCheckIsOneRequest: `baton check` asks the registry once per manifest
// (POST /v1/check), however many schemas and contracts the manifest names,
// in every format.
func TestCheckIsOneRequest(t *testing.T) {
	url, log, _ := startLoggedRegistry(t)
	env := map[string]string{"BATON_REGISTRY": url}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"baton.yaml": "service: order\nevents:\n  produces:\n    - name: OrderPlaced\n      schema: a.json\n    - name: OrderCancelled\n      schema: b.json\n" +
			"  consumes:\n    - name: PaymentDone\n      contract: c.json\n    - name: Shipped\ncommands:\n  sends:\n    - name: Charge\n      contract: d.json\n",
		"a.json": `{"type":"object"}`, "b.json": `{"type":"object"}`, "c.json": `{"type":"object"}`, "d.json": `{"type":"object"}`,
	})
	manifest := filepath.Join(dir, "baton.yaml")
	if code, out, errOut := runEnv(t, env, "publish", manifest); code != 0 {
		t.Fatalf("publish = %d\n%s%s", code, out, errOut)
	}
	log.take()
	for _, format := range []string{"text", "json", "github"} {
		code, out, errOut := runEnv(t, env, "check", "--format", format, manifest)
		if code != 0 {
			t.Fatalf("check --format %s = %d\n%s%s", format, code, out, errOut)
		}
		if got := log.take(); len(got) != 1 || got[0] != "POST /v1/check" {
			t.Errorf("check --format %s made requests %v, want exactly [POST /v1/check]", format, got)
		}
	}
}

// TestCheckContractAgainstSchemaWithReferences: a consumer's contract is
// held against the message's current schema compiled with its references
// (registered schemas it $refs), so check gives the verdict registration
// gives: a contract the referenced schema satisfies passes, one it does
// not fails with a witness, and neither is an error.
func TestCheckContractAgainstSchemaWithReferences(t *testing.T) {
	url, _, c := startLoggedRegistry(t)
	env := map[string]string{"BATON_REGISTRY": url}
	ctx := context.Background()
	money := `{"type":"object","properties":{"amount":{"type":"integer"},"currency":{"type":"string"}},"required":["amount"]}`
	order := `{"type":"object","properties":{"total":{"$ref":"money.json"}},"required":["total"]}`
	if _, err := c.Publish(ctx, registry.PublishRequest{Subject: "Money", Schema: money}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: order,
		References: []registry.Reference{{Name: "money.json", Subject: "Money", Version: 1}}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"baton.yaml": "service: payment\nevents:\n  consumes:\n    - name: OrderPlaced\n      contract: contract.json\n",
		// Guaranteed by the referenced Money schema: amount is required.
		"reads-amount.json": `{"type":"object","properties":{"total":{"type":"object","required":["amount"]}},"required":["total"]}`,
		// Not guaranteed: currency is optional in Money.
		"reads-currency.json": `{"type":"object","properties":{"total":{"type":"object","required":["currency"]}},"required":["total"]}`,
	})
	for _, tc := range []struct {
		contract string
		code     int
	}{
		{"reads-amount.json", 0},
		{"reads-currency.json", 1},
	} {
		writeFiles(t, dir, map[string]string{"contract.json": readFile(t, filepath.Join(dir, tc.contract))})
		code, out, errOut := runEnv(t, env, "check", "--format", "json", filepath.Join(dir, "baton.yaml"))
		if code != tc.code {
			t.Fatalf("%s: check = %d, want %d\n%s%s", tc.contract, code, tc.code, out, errOut)
		}
		var rep itemsReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Items) != 1 {
			t.Fatalf("%s: check JSON: %v\n%s", tc.contract, err, out)
		}
		it := rep.Items[0]
		if it.Note != "checked against version 1" {
			t.Errorf("%s: note %q, want the contract checked against version 1", tc.contract, it.Note)
		}
		if tc.code == 1 && (len(it.Changes) == 0 || it.Changes[0].Path != "/properties/total/required" || len(it.Changes[0].Example) == 0) {
			t.Errorf("%s: changes %+v, want the required currency at /properties/total/required with a witness", tc.contract, it.Changes)
		}
		// Registration decides the same.
		code, out, errOut = runEnv(t, env, "publish", filepath.Join(dir, "baton.yaml"))
		if code != tc.code {
			t.Errorf("%s: publish = %d, want %d as check\n%s%s", tc.contract, code, tc.code, out, errOut)
		}
		if tc.code == 0 && !strings.Contains(out, "contract: consumes OrderPlaced") {
			t.Errorf("%s: publish did not register the contract:\n%s", tc.contract, out)
		}
	}
}
