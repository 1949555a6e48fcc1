package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const inventory = `service: inventory
owner: team-warehouse
events:
  produces:
    - name: InventoryReserved
      schema: schemas/inventory-reserved.json
  consumes:
    - name: OrderPlaced
      contract: contracts/order-placed.json   # reader contract
    - name: OrderCancelled
      version: 3
commands:
  handles:
    - name: ReserveInventory
      subject: inventory.reserve
      schema: schemas/reserve-inventory.json
  sends:
    - name: ChargePayment
      contract: contracts/charge-payment.json
`

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoad(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"baton.yaml":                      inventory,
		"schemas/inventory-reserved.json": `{"type":"object"}`,
		"schemas/reserve-inventory.json":  `{"type":"object","required":["sku"]}`,
		"contracts/order-placed.json":     `{"properties":{"orderId":{}}}`,
		"contracts/charge-payment.json":   `{"properties":{"amount":{}}}`,
	})
	m, err := Load(filepath.Join(dir, "baton.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Service != "inventory" || m.Owner != "team-warehouse" {
		t.Errorf("service/owner = %q/%q", m.Service, m.Owner)
	}
	if len(m.Produces) != 1 || m.Produces[0].Subject != "InventoryReserved" || m.Produces[0].Text != `{"type":"object"}` || m.Produces[0].Line != 5 {
		t.Errorf("produces = %+v", m.Produces)
	}
	if len(m.Handles) != 1 || m.Handles[0].Subject != "inventory.reserve" || m.Handles[0].Name != "ReserveInventory" {
		t.Errorf("handles = %+v", m.Handles)
	}
	if len(m.Consumes) != 2 || m.Consumes[0].Text == "" || m.Consumes[1].Version != 3 || m.Consumes[1].Contract != "" || m.Consumes[1].Text != "" {
		t.Errorf("consumes = %+v", m.Consumes)
	}
	if len(m.Sends) != 1 || m.Sends[0].Text != `{"properties":{"amount":{}}}` || !filepath.IsAbs(m.Sends[0].Path) {
		t.Errorf("sends = %+v", m.Sends)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       string // substring of the error, which starts with file:line
	}{
		{"unknown top-level field", "service: a\nowners: x\n", "baton.yaml:2: owners: unknown field"},
		{"unknown entry field", "service: a\nevents:\n  produces:\n    - name: E\n      schema: e.json\n      shema: x\n", "baton.yaml:6: events.produces[0].shema: unknown field"},
		{"unknown events key", "service: a\nevents:\n  emits: []\n", "baton.yaml:3: events.emits: unknown field"},
		{"service missing", "owner: x\n", "service: is required"},
		{"service not a string", "service: [a]\n", "baton.yaml:1: service: must be a string"},
		{"bad service name", "service: 'a b'\n", `baton.yaml:1: service: "a b" is not a valid name`},
		{"schema missing", "service: a\nevents:\n  produces:\n    - name: E\n", "baton.yaml:4: events.produces[0].schema: is required"},
		{"name missing", "service: a\ncommands:\n  sends:\n    - contract: c.json\n", "baton.yaml:4: commands.sends[0].name: is required"},
		{"version not int", "service: a\nevents:\n  consumes:\n    - name: E\n      version: two\n", "baton.yaml:5: events.consumes[0].version: must be a positive integer"},
		{"version zero", "service: a\nevents:\n  consumes:\n    - name: E\n      version: 0\n", "must be a positive integer, got 0"},
		{"contract and version", "service: a\nevents:\n  consumes:\n    - name: E\n      contract: c.json\n      version: 2\n", "not both"},
		{"duplicate consume", "service: a\nevents:\n  consumes:\n    - name: E\n    - name: E\n", "baton.yaml:5: events.consumes[1]: E is listed twice"},
		{"duplicate key", "service: a\nservice: b\n", "baton.yaml:2: service: duplicate field"},
		{"list expected", "service: a\nevents:\n  produces: x\n", "baton.yaml:3: events.produces: must be a list"},
		{"syntax error", "service: a\n  b: [\n", "baton.yaml:"},
		{"empty", "", "empty manifest"},
		{"two documents", "service: a\n---\nservice: b\n", "more than one YAML document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("baton.yaml", []byte(tc.yaml))
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestPathsStayInsideRoot(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"repo/svc/schemas/e.json": `{}`,
		"repo/shared/c.json":      `{}`,
		"secret.json":             `{}`,
	})
	repo := filepath.Join(dir, "repo")
	if err := os.Symlink(filepath.Join(dir, "secret.json"), filepath.Join(repo, "svc", "link.json")); err != nil {
		t.Fatal(err)
	}
	manifest := func(schema string) string {
		p := filepath.Join(repo, "svc", "baton.yaml")
		if err := os.WriteFile(p, []byte("service: s\nevents:\n  produces:\n    - name: E\n      schema: "+schema+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		schema, root, want string // want "" = accepted
	}{
		{"schemas/e.json", "", ""},
		{"./schemas/../schemas/e.json", "", ""},
		{"../shared/c.json", "", "leads outside"},
		{"../shared/c.json", repo, ""},
		{"../../secret.json", repo, "leads outside"},
		{filepath.Join(dir, "secret.json"), repo, "absolute paths are not allowed"},
		{"link.json", repo, "leads outside"},
		{"schemas/missing.json", "", "no such file"},
	} {
		_, err := Load(manifest(tc.schema), Options{Root: tc.root})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s (root %q): %v", tc.schema, tc.root, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s (root %q): err = %v, want %q", tc.schema, tc.root, err, tc.want)
		case tc.want != "" && !strings.Contains(err.Error(), "baton.yaml:5: events.produces[0].schema:"):
			t.Errorf("%s: error %q does not name file:line and field", tc.schema, err)
		}
	}
}
