package main

import (
	"context"
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
