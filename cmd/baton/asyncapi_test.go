package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/asyncapi"
	"github.com/batonhq/baton/manifest"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

// estateOf is what a registry holds, in a form two registries can be
// compared in: the graph, every relation (contracts by fingerprint) and
// the fingerprint of each subject's latest schema.
type estate struct {
	Graph     registry.Graph
	Relations map[string][]registry.Relation
	Latest    map[string]string
}

func estateOf(t *testing.T, url string) estate {
	t.Helper()
	ctx := context.Background()
	c := httpapi.NewClient(url)
	g, err := c.Graph(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := estate{Graph: g, Relations: map[string][]registry.Relation{}, Latest: map[string]string{}}
	sis, err := c.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, si := range sis {
		for _, r := range si.Relations {
			r.Contract = "" // compared by fingerprint: the texts differ in layout
			e.Relations[si.Name] = append(e.Relations[si.Name], r)
		}
	}
	subjects, err := c.Subjects(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subjects {
		sv, err := c.GetVersion(ctx, s, "latest", false)
		if err != nil {
			t.Fatal(err)
		}
		e.Latest[s] = sv.Schema.Fingerprint
	}
	return e
}

// TestAsyncAPIExamplesSameEstate publishes the examples' baton.yaml
// manifests to one registry and their AsyncAPI documents
// (examples/asyncapi) to another: the same /v1/graph, relations, contracts
// and schemas.
func TestAsyncAPIExamplesSameEstate(t *testing.T) {
	ex := filepath.Join("..", "..", "examples")
	fromManifests, fromAsyncAPI := startRegistry(t), startRegistry(t)
	for _, m := range exampleManifests {
		doc := filepath.Join(ex, "asyncapi", filepath.Dir(m), filepath.Base(m)+".yaml")
		for _, p := range []struct{ url, file string }{
			{fromManifests, filepath.Join(ex, m, "baton.yaml")},
			{fromAsyncAPI, doc},
		} {
			env := map[string]string{"BATON_REGISTRY": p.url}
			if code, out, errOut := runEnv(t, env, "publish", p.file); code != 0 {
				t.Fatalf("publish %s = %d\n%s%s", p.file, code, out, errOut)
			}
		}
		// check reads the document too, and finds nothing to object to.
		env := map[string]string{"BATON_REGISTRY": fromAsyncAPI}
		if code, out, errOut := runEnv(t, env, "check", doc); code != 0 {
			t.Errorf("check %s = %d\n%s%s", doc, code, out, errOut)
		}
	}
	want, got := estateOf(t, fromManifests), estateOf(t, fromAsyncAPI)
	if len(want.Graph.Edges) == 0 {
		t.Fatal("the examples registered no relation")
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("AsyncAPI examples differ from the manifests (-manifests +asyncapi):\n%s", d)
	}
}

// TestAsyncAPIExportCLI: what `baton asyncapi export` prints reads back
// (asyncapi.Parse) into the relations the service was published with, in
// both versions and formats; bad flags are usage errors.
func TestAsyncAPIExportCLI(t *testing.T) {
	ex := filepath.Join("..", "..", "examples")
	env := map[string]string{"BATON_REGISTRY": startRegistry(t)}
	for _, m := range exampleManifests {
		if code, out, errOut := runEnv(t, env, "publish", filepath.Join(ex, m, "baton.yaml")); code != 0 {
			t.Fatalf("publish %s = %d\n%s%s", m, code, out, errOut)
		}
	}
	src, err := manifest.Load(filepath.Join(ex, "orchestration", "order-orchestrator", "baton.yaml"), manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range asyncapi.Versions {
		for _, format := range asyncapi.Formats {
			code, out, errOut := runEnv(t, env, "asyncapi", "export", "--version", version, "--format", format, "order-orchestrator")
			if code != 0 {
				t.Fatalf("export %s %s = %d\n%s", version, format, code, errOut)
			}
			if format == "json" && !strings.HasPrefix(out, "{") || !strings.Contains(out, version) {
				t.Errorf("export %s %s printed\n%s", version, format, out)
			}
			back, err := asyncapi.Parse("export", []byte(out), asyncapi.Options{})
			if err != nil {
				t.Fatalf("export %s %s does not read back: %v\n%s", version, format, err, out)
			}
			if back.Service != src.Service || back.Owner != src.Owner || len(back.Sends) != len(src.Sends) || len(back.Consumes) != len(src.Consumes) {
				t.Errorf("export %s %s read back as %+v, want the relations of %+v", version, format, back, src)
			}
		}
	}
	for _, args := range [][]string{
		{"asyncapi"},
		{"asyncapi", "export"},
		{"asyncapi", "export", "--version", "2.0.0", "order"},
		{"asyncapi", "export", "--format", "text", "order"},
	} {
		if code, _, errOut := runEnv(t, env, args...); code != 2 {
			t.Errorf("%v = %d, want 2 (usage)\n%s", args, code, errOut)
		}
	}
	if code, _, errOut := runEnv(t, env, "asyncapi", "export", "nobody"); code != 2 || !strings.Contains(errOut, "nobody") {
		t.Errorf("export of an unknown service = %d\n%s", code, errOut)
	}
}

// TestAsyncAPICheckAgainstGit: `check --against git:REF` reads the
// document as it is at the ref, and checks each owned payload against it.
func TestAsyncAPICheckAgainstGit(t *testing.T) {
	repo := exampleRepo(t, "asyncapi", "choreography")
	doc := filepath.Join(repo, "order.yaml")
	orig, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	noEnv := map[string]string{}
	for _, tc := range []struct {
		name string
		edit func(string) string
		code int
		has  string
	}{
		{"unchanged", func(s string) string { return s }, 0, "checked against git:HEAD:order.yaml#/components/messages/OrderPlaced/payload"},
		// A new required field: data written by v1 lacks it.
		{"breaking", func(s string) string {
			return strings.Replace(s, "      required:\n      - orderId\n", "      required:\n      - orderId\n      - couponCode\n", 1)
		}, 1, "couponCode"},
		{"new subject", func(s string) string {
			return strings.Replace(s, "    OrderPlaced:\n      name: OrderPlaced\n", "    OrderPlaced:\n      name: OrderPlaced\n      x-baton-subject: OrderPlacedV2\n", 1)
		}, 0, "OrderPlacedV2 in order.yaml does not exist at git:HEAD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(doc, []byte(tc.edit(string(orig))), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runEnv(t, noEnv, "check", "--against", "git:HEAD", "--format", "json", doc)
			if code != tc.code || !strings.Contains(out, tc.has) {
				t.Errorf("exit %d, want %d with %q\n%s%s", code, tc.code, tc.has, out, errOut)
			}
		})
	}
}

// TestAsyncAPIPublishShapes: publish reads a 2.6 JSON document, and a bad
// document is invalid input naming where.
func TestAsyncAPIPublishShapes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"svc.json": `{"asyncapi": "2.6.0", "info": {"title": "ledger", "version": "1"},
 "channels": {"entries": {"subscribe": {"message": {"name": "EntryPosted", "payload": {"type": "object"}}}}}}`,
		"avro.yaml": "asyncapi: 3.0.0\ninfo: {title: ledger, version: '1'}\nchannels:\n  c:\n    messages:\n      EntryPosted:\n        payload:\n          schemaFormat: application/vnd.apache.avro+json;version=1.9.0\n          schema: {type: record}\noperations:\n  o: {action: send, channel: {$ref: '#/channels/c'}}\n",
	})
	env := map[string]string{"BATON_REGISTRY": startRegistry(t)}
	code, out, errOut := runEnv(t, env, "publish", filepath.Join(dir, "svc.json"))
	if code != 0 || !strings.Contains(out, "service ledger registered") || !strings.Contains(out, "EntryPosted: version 1") {
		t.Errorf("publish 2.6 JSON = %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runEnv(t, env, "publish", filepath.Join(dir, "avro.yaml"))
	if code != 2 || !strings.Contains(errOut, "avro.yaml:8: #/channels/c/messages/EntryPosted/payload/schemaFormat: message EntryPosted") {
		t.Errorf("publish of an Avro payload = %d\n%s", code, errOut)
	}
}
