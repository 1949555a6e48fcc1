package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

// seedSource fills a Baton registry with what an import must carry over:
// references, soft-deleted versions and a soft-deleted subject, a
// hard-deleted version (a gap in versions), ids with gaps (imported there
// with chosen ids), one id shared by two subjects, per-subject and global
// compatibility settings.
func seedSource(t *testing.T, c *httpapi.Client) {
	t.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed: %s: %v", what, err)
		}
	}
	pub := func(subject, schema string, refs ...registry.Reference) {
		t.Helper()
		_, err := c.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: schema, References: refs})
		must("publish "+subject, err)
	}
	customer := `{"type":"object","properties":{"id":{"type":"string"}}}`
	pub("customer", customer)
	pub("customer", `{"type":"object","properties":{"id":{"type":["string","null"]}}}`)
	pub("order", `{"type":"object","properties":{"customer":{"$ref":"customer.json"}}}`,
		registry.Reference{Name: "customer.json", Subject: "customer", Version: 1})
	pub("shared", customer) // the same id as customer version 1
	for i := 1; i <= 3; i++ {
		pub("legacy", fmt.Sprintf(`{"type":"object","title":"legacy %d"}`, i))
	}
	_, err := c.SetConfig(ctx, "legacy", registry.Config{Mode: compat.None, Policy: compat.Strict})
	must("config legacy", err)
	pub("legacy", `{"type":"string",   "title":"spaced   text kept verbatim"}`)
	_, err = c.DeleteVersion(ctx, "legacy", "1", false)
	must("soft-delete legacy 1", err)
	_, err = c.DeleteVersion(ctx, "legacy", "3", false)
	must("soft-delete legacy 3", err)
	_, err = c.DeleteVersion(ctx, "legacy", "3", true)
	must("hard-delete legacy 3", err)
	pub("retired", `{"type":"boolean"}`)
	_, err = c.DeleteSubject(ctx, "retired", false)
	must("soft-delete retired", err)
	// Gaps in ids and versions, the way a Confluent registry that was
	// itself imported into has them.
	_, err = c.SetMode(ctx, "gaps", registry.ModeImport, false)
	must("mode gaps", err)
	for _, g := range []struct {
		id      int64
		version int
		schema  string
	}{{40, 2, `{"type":"integer"}`}, {57, 5, `{"type":"number"}`}, {41, 7, `{"type":"array"}`}} {
		_, err := c.Publish(ctx, registry.PublishRequest{Subject: "gaps", Schema: g.schema, ID: g.id, Version: g.version})
		must("import gaps", err)
	}
	_, err = c.DeleteMode(ctx, "gaps")
	must("delete mode gaps", err)
	_, err = c.SetConfig(ctx, "order", registry.Config{Mode: compat.FullTransitive, Policy: compat.Lenient})
	must("config order", err)
	_, err = c.SetConfig(ctx, "", registry.Config{Mode: compat.Forward, Policy: compat.Strict})
	must("global config", err)
}

// snapshot is everything a client can read about a registry's schemas:
// subjects, versions (visible and soft-deleted), what each version holds,
// the raw answer of GET /schemas/ids/{id} for every id in use, and the
// compatibility settings.
type snapshot struct {
	Subjects, Visible []string
	Versions          map[string][]int
	VisibleVersions   map[string][]int
	Holds             map[string]string // "subject/version" -> id, schema, references
	IDs               map[int64]string  // raw body of GET /schemas/ids/{id}
	Configs           map[string]registry.Config
}

func takeSnapshot(t *testing.T, url string) snapshot {
	t.Helper()
	ctx := context.Background()
	c := httpapi.NewClient(url)
	s := snapshot{Versions: map[string][]int{}, VisibleVersions: map[string][]int{}, Holds: map[string]string{}, IDs: map[int64]string{}, Configs: map[string]registry.Config{}}
	var err error
	if s.Subjects, err = c.Subjects(ctx, true); err != nil {
		t.Fatal(err)
	}
	if s.Visible, err = c.Subjects(ctx, false); err != nil {
		t.Fatal(err)
	}
	for _, subj := range s.Subjects {
		if s.Versions[subj], err = c.Versions(ctx, subj, true); err != nil {
			t.Fatal(err)
		}
		s.VisibleVersions[subj], _ = c.Versions(ctx, subj, false)
		for _, n := range s.Versions[subj] {
			sv, err := c.GetVersion(ctx, subj, strconv.Itoa(n), true)
			if err != nil {
				t.Fatal(err)
			}
			s.Holds[fmt.Sprintf("%s/%d", subj, n)] = fmt.Sprintf("id %d %s %v", sv.SchemaID, sv.Schema.Text, sv.Schema.References)
			if _, ok := s.IDs[sv.SchemaID]; !ok {
				resp, err := http.Get(fmt.Sprintf("%s/schemas/ids/%d", url, sv.SchemaID))
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				s.IDs[sv.SchemaID] = fmt.Sprintf("%d %s", resp.StatusCode, body)
			}
		}
		if cfg, err := c.GetConfig(ctx, subj, false); err == nil {
			s.Configs[subj] = cfg
		}
	}
	if s.Configs[""], err = c.GetConfig(ctx, "", false); err != nil {
		t.Fatal(err)
	}
	return s
}

func wantSameRegistry(t *testing.T, srcURL, dstURL string) {
	t.Helper()
	src, dst := takeSnapshot(t, srcURL), takeSnapshot(t, dstURL)
	if d := cmp.Diff(src, dst); d != "" {
		t.Errorf("destination differs from source (-source +destination):\n%s", d)
	}
	if len(src.IDs) < 8 || len(src.Subjects) < 6 {
		t.Fatalf("the snapshot is too small to prove anything: %d ids, %d subjects", len(src.IDs), len(src.Subjects))
	}
	if m, err := httpapi.NewClient(dstURL).GetMode(context.Background(), "", false); err != nil || m != registry.ModeReadWrite {
		t.Errorf("destination mode after import = %q, %v; want READWRITE", m, err)
	}
}

func TestImportFromBaton(t *testing.T) {
	srcURL, _, src := startLoggedRegistry(t)
	seedSource(t, src)
	dstURL, dstLog, dst := startLoggedRegistry(t)
	env := map[string]string{"BATON_REGISTRY": dstURL}

	// A dry run writes nothing.
	code, out, errOut := runEnv(t, env, "import", "--from", srcURL, "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run: would import 6 subjects, 11 versions (11 written, 0 already there, 2 soft-deleted), 10 schema ids, 3 compatibility settings") {
		t.Fatalf("dry run = %d\n%s%s", code, out, errOut)
	}
	for _, r := range dstLog.take() {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("dry run wrote: %s", r)
		}
	}

	code, out, errOut = runEnv(t, env, "import", "--from", srcURL)
	if code != 0 {
		t.Fatalf("import = %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "imported 6 subjects, 11 versions (11 written, 0 already there, 2 soft-deleted), 10 schema ids, 3 compatibility settings; 0 skipped, 0 failed") {
		t.Errorf("summary:\n%s", out)
	}
	wantSameRegistry(t, srcURL, dstURL)

	// A re-run writes no version and changes nothing.
	code, out, errOut = runEnv(t, env, "import", "--from", srcURL)
	if code != 0 || !strings.Contains(out, "(0 written, 11 already there, 0 soft-deleted)") {
		t.Fatalf("re-run = %d\n%s%s", code, out, errOut)
	}
	wantSameRegistry(t, srcURL, dstURL)

	// After the import the destination hands out ids above every imported one.
	sv, err := dst.Publish(context.Background(), registry.PublishRequest{Subject: "new", Schema: `{"type":"null"}`})
	if err != nil || sv.SchemaID <= 57 {
		t.Errorf("first publish after import got id %d (%v); want one above 57", sv.SchemaID, err)
	}
}

// TestImportResumesAfterInterruption stops an import after k versions
// (the process killed, the network gone) and runs it again: the result is
// the same registry as an uninterrupted import, whatever k is.
func TestImportResumesAfterInterruption(t *testing.T) {
	srcURL, _, src := startLoggedRegistry(t)
	seedSource(t, src)
	for _, tc := range []struct{ k, workers int }{
		{1, 1}, {4, 1}, {11, 1}, // 11: every version, before the soft deletes and settings
		{3, 0}, // concurrent writes: those in flight may land too
	} {
		k := tc.k
		t.Run(fmt.Sprintf("after %d with %d workers", k, tc.workers), func(t *testing.T) {
			dstURL, _, dst := startLoggedRegistry(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out strings.Builder
			_, err := importRegistry(ctx, src, dst, importOptions{Out: &out, workers: tc.workers, afterWrite: func(n int) {
				if n == k {
					cancel()
				}
			}})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted import: err = %v, want context.Canceled\n%s", err, out.String())
			}
			if m, _ := dst.GetMode(context.Background(), "", false); m != registry.ModeImport {
				t.Errorf("mode after the interruption = %q; want IMPORT still", m)
			}
			m := 0
			subjects, _ := dst.Subjects(context.Background(), true)
			for _, s := range subjects {
				vs, _ := dst.Versions(context.Background(), s, true)
				m += len(vs)
			}
			if tc.workers == 1 && m != k {
				t.Fatalf("%d versions stored after the interruption, want %d", m, k)
			}
			code, stdout, errOut := runEnv(t, map[string]string{"BATON_REGISTRY": dstURL}, "import", "--from", srcURL)
			if code != 0 {
				t.Fatalf("re-run = %d\n%s%s", code, stdout, errOut)
			}
			if want := fmt.Sprintf("(%d written, %d already there", 11-m, m); tc.workers == 1 && !strings.Contains(stdout, want) {
				t.Errorf("re-run summary lacks %q:\n%s", want, stdout)
			}
			wantSameRegistry(t, srcURL, dstURL)
		})
	}
}

// TestImportSelectsAndSkips: --subjects imports the matching subjects and
// what they reference; a Confluent source's AVRO schemas (answered without
// a schemaType) are listed and skipped, with what references them.
func TestImportSelectsAndSkips(t *testing.T) {
	srcURL, _, src := startLoggedRegistry(t)
	seedSource(t, src)
	dstURL, _, dst := startLoggedRegistry(t)
	code, out, errOut := runEnv(t, map[string]string{"BATON_REGISTRY": dstURL}, "import", "--from", srcURL, "--subjects", "^ord")
	if code != 0 || !strings.Contains(out, "include customer version 1 (id 1): a selected version references it") || !strings.Contains(out, "imported 2 subjects, 2 versions") {
		t.Fatalf("import --subjects = %d\n%s%s", code, out, errOut)
	}
	if got, _ := dst.Subjects(context.Background(), true); !cmp.Equal(got, []string{"customer", "order"}) {
		t.Errorf("subjects = %v, want order and the customer it references", got)
	}

	confluent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		switch r.URL.Path {
		case "/subjects":
			io.WriteString(w, `["avro-value","json-value","uses-avro"]`)
		case "/subjects/avro-value/versions", "/subjects/json-value/versions", "/subjects/uses-avro/versions":
			io.WriteString(w, `[1]`)
		case "/subjects/avro-value/versions/1":
			io.WriteString(w, `{"subject":"avro-value","version":1,"id":1,"schema":"\"string\""}`)
		case "/subjects/uses-avro/versions/1":
			io.WriteString(w, `{"subject":"uses-avro","version":1,"id":3,"schemaType":"AVRO","schema":"\"int\"","references":[{"name":"a","subject":"avro-value","version":1}]}`)
		case "/subjects/json-value/versions/1":
			io.WriteString(w, `{"subject":"json-value","version":1,"id":2,"schemaType":"JSON","schema":"{\"type\":\"string\"}"}`)
		case "/config":
			io.WriteString(w, `{"compatibilityLevel":"BACKWARD"}`)
		default:
			w.WriteHeader(404)
			io.WriteString(w, `{"error_code":40408,"message":"not configured"}`)
		}
	}))
	defer confluent.Close()
	dstURL2, _, dst2 := startLoggedRegistry(t)
	code, out, errOut = runEnv(t, map[string]string{"BATON_REGISTRY": dstURL2}, "import", "--from", confluent.URL)
	if code != 0 {
		t.Fatalf("import from confluent = %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"skip avro-value version 1 (id 1): schemaType AVRO; Baton registers JSON Schema only",
		"skip uses-avro version 1 (id 3): schemaType AVRO",
		"imported 1 subjects, 1 versions (1 written, 0 already there, 0 soft-deleted), 1 schema ids, 1 compatibility settings; 2 skipped, 0 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if sch, err := dst2.SchemaByID(context.Background(), 2); err != nil || sch.Text != `{"type":"string"}` {
		t.Errorf("id 2 = %q, %v", sch.Text, err)
	}
}

// TestImportUsage: mistakes are exit 2 with a message naming the flag.
func TestImportUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "--from"},
		{[]string{"import", "--from", "http://127.0.0.1:1", "--subjects", "("}, "--subjects"},
		{[]string{"import", "--from", "http://127.0.0.1:1", "extra"}, "no arguments"},
		{[]string{"import", "--from", "http://127.0.0.1:1"}, "read source registry"},
	} {
		code, _, errOut := runEnv(t, map[string]string{"BATON_REGISTRY": "http://127.0.0.1:1"}, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v = %d %q; want exit 2 naming %q", tc.args, code, errOut, tc.want)
		}
	}
}
