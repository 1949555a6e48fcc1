package asyncapi

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/batonhq/baton/manifest"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
)

// The official AsyncAPI JSON Schemas (testdata/spec, from the npm package
// @asyncapi/specs 6.11.1, Apache-2.0: testdata/spec/LICENSE), compiled once.
func specSchema(t *testing.T, version string) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "spec", version+".json"))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	url := "file:///asyncapi-" + version + ".json"
	if err := c.AddResource(url, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile the AsyncAPI %s schema: %v", version, err)
	}
	return s
}

func newRegistrar(t *testing.T) *registry.Registrar {
	t.Helper()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return registry.NewRegistrar(st, registry.Options{})
}

// register publishes a manifest as `baton publish` does: the service,
// then its owned schemas.
func register(t *testing.T, reg registry.Registry, m *manifest.Manifest) {
	t.Helper()
	ctx := context.Background()
	mc := registry.ManifestCheck{Name: m.Service, Owner: m.Owner}
	for _, g := range []struct {
		kind registry.RelationKind
		os   []manifest.Owned
		ds   []manifest.Dependency
	}{{registry.Produces, m.Produces, nil}, {registry.Handles, m.Handles, nil}, {registry.Consumes, nil, m.Consumes}, {registry.Sends, nil, m.Sends}} {
		for _, o := range g.os {
			mc.Relations = append(mc.Relations, registry.ManifestRelation{Kind: g.kind, Subject: o.Subject, Name: o.Name, Schema: o.Text})
		}
		for _, d := range g.ds {
			mc.Relations = append(mc.Relations, registry.ManifestRelation{Kind: g.kind, Subject: d.Subject, Name: d.Name, Contract: d.Text, Version: d.Version})
		}
	}
	if _, err := reg.RegisterService(ctx, mc.Service(), false); err != nil {
		t.Fatalf("register %s: %v", m.Service, err)
	}
	for _, os := range [][]manifest.Owned{m.Produces, m.Handles} {
		for _, o := range os {
			if _, err := reg.Publish(ctx, registry.PublishRequest{Subject: o.Subject, Schema: o.Text}); err != nil {
				t.Fatalf("publish %s of %s: %v", o.Subject, m.Service, err)
			}
		}
	}
}

// examples are the services of examples/, in publishing order.
var examples = []string{
	"choreography/order", "choreography/inventory", "choreography/payment", "choreography/shipping", "choreography/notification",
	"orchestration/stock", "orchestration/billing", "orchestration/dispatch", "orchestration/order-orchestrator",
}

// extra services give the estate what the examples lack: a pinned
// version, a 2020-12 schema, a message a service both sends and
// consumes, a subject that differs from the message name.
var extras = []string{`asyncapi: 3.0.0
info: {title: audit, version: '1', x-baton-owner: team-audit}
channels:
  c:
    messages:
      Placed: {name: OrderPlaced, x-baton-pinned-version: 1}
      Audited:
        x-baton-subject: audit.Audited
        payload:
          schemaFormat: application/schema+json;version=2020-12
          schema: {type: object, properties: {at: {type: string}, tags: {type: array, prefixItems: [{type: string}]}}}
      Annotated:
        # The AsyncAPI Schema Object's own keywords are annotations the
        # registry stores and ignores.
        payload:
          type: object
          discriminator: kind
          externalDocs: {url: 'https://example.com/annotated'}
          deprecated: true
          example: {kind: a}
          examples: [{kind: a}]
          # Strings that read as other YAML types must stay strings in a
          # YAML export.
          properties: {kind: {type: string, x-origin: legacy}, flag: {enum: ["true", "1", "null", "2024-01-01", "0x1F", "~", "", 1.5e3]}}
operations:
  onPlaced: {action: receive, channel: {$ref: '#/channels/c'}, messages: [{$ref: '#/channels/c/messages/Placed'}]}
  audited: {action: send, channel: {$ref: '#/channels/c'}, messages: [{$ref: '#/channels/c/messages/Audited'}]}
  annotated: {action: send, channel: {$ref: '#/channels/c'}, messages: [{$ref: '#/channels/c/messages/Annotated'}]}
`, `asyncapi: 2.6.0
info: {title: loop, version: '1'}
channels:
  audit:
    publish: {message: {name: Audited, x-baton-subject: audit.Audited, payload: {type: object}}}
  audit-requests:
    subscribe: {message: {name: Audit, x-baton-kind: command, payload: {type: object, required: [id]}}}
    publish: {message: {name: Audit, x-baton-kind: command, payload: {type: object}}}
`}

// estate registers the examples (their manifests) and the extras.
func estate(t *testing.T) (*registry.Registrar, []string) {
	reg := newRegistrar(t)
	var names []string
	for _, e := range examples {
		m, err := manifest.Load(filepath.Join("..", "examples", e, "baton.yaml"), manifest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		register(t, reg, m)
		names = append(names, m.Service)
	}
	for _, doc := range extras {
		m, err := Parse("extra.yaml", []byte(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		register(t, reg, m)
		names = append(names, m.Service)
	}
	return reg, names
}

type registered struct {
	Services []registry.Service
	Latest   map[string]string
	Graph    registry.Graph
}

func registeredOf(t *testing.T, reg registry.Registry) registered {
	t.Helper()
	ctx := context.Background()
	var r registered
	var err error
	if r.Services, err = reg.Services(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range r.Services {
		for j := range r.Services[i].Relations {
			r.Services[i].Relations[j].Contract = "" // by fingerprint
		}
	}
	if r.Graph, err = reg.Graph(ctx); err != nil {
		t.Fatal(err)
	}
	subjects, err := reg.Subjects(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	r.Latest = map[string]string{}
	for _, s := range subjects {
		sv, err := reg.GetVersion(ctx, s, "latest", false)
		if err != nil {
			t.Fatal(err)
		}
		r.Latest[s] = sv.Schema.Fingerprint
	}
	return r
}

// TestExportValidAndRoundTrip exports every service in both versions and
// formats, validates each document against the official AsyncAPI schema,
// and imports the exports into a new registry: import(export(S)) registers
// the same services, relations, contracts and schemas as S.
func TestExportValidAndRoundTrip(t *testing.T) {
	ctx := context.Background()
	reg, names := estate(t)
	want := registeredOf(t, reg)
	for _, version := range Versions {
		spec := specSchema(t, version)
		// The schema does reject: a document without info is no AsyncAPI.
		if err := spec.Validate(map[string]any{"asyncapi": version, "channels": map[string]any{}}); err == nil {
			t.Fatalf("the %s schema accepts a document without info", version)
		}
		for _, format := range Formats {
			t.Run(version+"/"+format, func(t *testing.T) {
				back := newRegistrar(t)
				for _, name := range names {
					se, err := registry.ExportService(ctx, reg, name)
					if err != nil {
						t.Fatal(err)
					}
					doc, err := Export(se, version, format)
					if err != nil {
						t.Fatal(err)
					}
					if format == "json" {
						var v any
						dec := json.NewDecoder(bytes.NewReader(doc))
						dec.UseNumber()
						if err := dec.Decode(&v); err != nil {
							t.Fatalf("%s: export is not JSON: %v", name, err)
						}
						if err := spec.Validate(v); err != nil {
							t.Errorf("%s: export is not valid AsyncAPI %s: %#v\n%s", name, version, err, doc)
						}
					}
					m, err := Parse(name+"."+format, doc, Options{})
					if err != nil {
						t.Fatalf("%s: export does not read back: %v\n%s", name, err, doc)
					}
					register(t, back, m)
				}
				if d := cmp.Diff(want, registeredOf(t, back)); d != "" {
					t.Errorf("import(export(S)) differs from S (-S +round trip):\n%s", d)
				}
			})
		}
	}
}

// TestImportExportKeepsDocument: export(import(D)) keeps every operation's
// action, message, channel (its address is the subject) and payload of
// the examples' AsyncAPI documents.
func TestImportExportKeepsDocument(t *testing.T) {
	ctx := context.Background()
	reg := newRegistrar(t)
	docs := map[string]*manifest.Manifest{}
	var order []string
	for _, e := range examples {
		path := filepath.Join("..", "examples", "asyncapi", filepath.Dir(e), filepath.Base(e)+".yaml")
		m, err := Load(path, manifest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		register(t, reg, m)
		docs[m.Service] = m
		order = append(order, m.Service)
	}
	for _, name := range order {
		se, err := registry.ExportService(ctx, reg, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, version := range Versions {
			doc, err := Export(se, version, "yaml")
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse("export.yaml", doc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(relationSet(t, docs[name]), relationSet(t, m)); d != "" {
				t.Errorf("%s %s: export(import(D)) lost something (-D +export):\n%s", name, version, d)
			}
			for _, r := range relations(t, m) {
				if !strings.Contains(string(doc), "address: "+r.Subject) && version == "3.0.0" {
					t.Errorf("%s: no channel with address %s in\n%s", name, r.Subject, doc)
				}
			}
		}
	}
}

// TestExportExtensions: each message says its kind, subject, owner and
// version.
func TestExportExtensions(t *testing.T) {
	ctx := context.Background()
	reg, _ := estate(t)
	se, err := registry.ExportService(ctx, reg, "order-orchestrator")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Export(se, "3.0.0", "json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Info       map[string]any `json:"info"`
		Components struct {
			Messages map[string]map[string]any `json:"messages"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	if d.Info["x-baton-owner"] != "team-orders" || d.Info["title"] != "order-orchestrator" {
		t.Errorf("info = %v", d.Info)
	}
	for name, want := range map[string]map[string]any{
		"ChargePayment":    {"x-baton-kind": "command", "x-baton-subject": "ChargePayment", "x-baton-owner": "billing", "x-baton-version": 1.0},
		"StockReserved":    {"x-baton-kind": "event", "x-baton-subject": "StockReserved", "x-baton-owner": "stock", "x-baton-version": 1.0},
		"ReserveInventory": {"x-baton-kind": "command", "x-baton-owner": "stock"},
	} {
		got := d.Components.Messages[name]
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s.%s = %v, want %v", name, k, got[k], v)
			}
		}
	}
	for _, bad := range [][2]string{{"2.0.0", "yaml"}, {"3.0.0", "xml"}} {
		if _, err := Export(se, bad[0], bad[1]); registry.ErrorKind(err) != registry.KindInvalid {
			t.Errorf("Export(%s, %s) = %v, want KindInvalid", bad[0], bad[1], err)
		}
	}
}
