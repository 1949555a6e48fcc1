package manifest

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/batonhq/baton/registry"
)

// FuzzManifest feeds random baton.yaml text to Parse. It must never panic;
// every error is a *Error naming the file and a line inside it (or none
// for problems of the whole file); and every accepted manifest holds the
// parser's invariants and survives a round trip: written back as YAML and
// parsed again, it is the same manifest.
//
// The kept corpus is testdata/fuzz/FuzzManifest; .ci/run runs this briefly.
func FuzzManifest(f *testing.F) {
	for _, seed := range []string{
		inventory,
		"service: a\n",
		"service: a\nowner: t\nevents:\n  produces:\n    - name: E\n      schema: s.json\n",
		"service: a\ncommands:\n  sends:\n    - {name: C, version: 2}\n",
		"service: a\nevents:\n  consumes:\n    - name: E\n      version: 1\n      contract: c.json\n",
		"service: 'a'\nservice: b\n",
		"service: a\n---\nservice: b\n",
		"service: [a]\n",
		"service: a\nevents:\n  produces:\n    - name: E\n      schema: s.json\n    - name: E\n      schema: t.json\n",
		"service: a\nevents: &x\n  consumes: *x\n",
		"service: 12\n",
		"service: a\nevents:\n  consumes:\n    - name: E\n      version: 99999999999999999999\n",
		"\tservice: a",
		"",
		"# only a comment\n",
		"service: a\nowner: !!binary aGVsbG8=\n",
		"service: \"a\\u0000b\"\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("baton.yaml", data)
		lines := lineCount(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T, not *manifest.Error: %v", err, err)
			}
			if e.File != "baton.yaml" || e.Msg == "" {
				t.Fatalf("error without file or message: %#v", e)
			}
			if e.Line < 0 || e.Line > lines {
				t.Fatalf("error line %d outside the %d-line input: %v", e.Line, lines, err)
			}
			if e.Line == 0 && e.Field != "" {
				t.Fatalf("error about field %s has no line: %v", e.Field, err)
			}
			return
		}
		checkInvariants(t, m, lines)
		again, err := Parse("again.yaml", render(t, m))
		if err != nil {
			t.Fatalf("a parsed manifest does not parse once written back: %v\n%s", err, render(t, m))
		}
		if a, b := strip(m), strip(again); !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the manifest:\n first %+v\nsecond %+v", a, b)
		}
	})
}

func checkInvariants(t *testing.T, m *Manifest, lines int) {
	t.Helper()
	if !registry.ValidName(m.Service) {
		t.Fatalf("accepted service name %q", m.Service)
	}
	seen := map[string]bool{}
	for i, o := range append(append([]Owned{}, m.Produces...), m.Handles...) {
		if !registry.ValidName(o.Name) || o.Subject == "" || o.Schema == "" || o.Line < 1 || o.Line > lines {
			t.Fatalf("owned[%d] breaks an invariant: %+v", i, o)
		}
	}
	for i, d := range append(append([]Dependency{}, m.Consumes...), m.Sends...) {
		if !registry.ValidName(d.Name) || d.Subject == "" || d.Version < 0 || (d.Version > 0 && d.Contract != "") || d.Line < 1 || d.Line > lines {
			t.Fatalf("dependency[%d] breaks an invariant: %+v", i, d)
		}
	}
	for _, role := range [][]string{subjectsOf(m.Produces, nil), subjectsOf(nil, m.Consumes), subjectsOf(m.Handles, nil), subjectsOf(nil, m.Sends)} {
		clear(seen)
		for _, s := range role {
			if seen[s] {
				t.Fatalf("subject %q accepted twice in one role", s)
			}
			seen[s] = true
		}
	}
}

func subjectsOf(own []Owned, deps []Dependency) []string {
	var out []string
	for _, o := range own {
		out = append(out, o.Subject)
	}
	for _, d := range deps {
		out = append(out, d.Subject)
	}
	return out
}

// strip keeps what a manifest says, not where it said it.
func strip(m *Manifest) Manifest {
	c := Manifest{Service: m.Service, Owner: m.Owner}
	for _, o := range m.Produces {
		c.Produces = append(c.Produces, Owned{Name: o.Name, Subject: o.Subject, Schema: o.Schema})
	}
	for _, o := range m.Handles {
		c.Handles = append(c.Handles, Owned{Name: o.Name, Subject: o.Subject, Schema: o.Schema})
	}
	for _, d := range m.Consumes {
		c.Consumes = append(c.Consumes, Dependency{Name: d.Name, Subject: d.Subject, Contract: d.Contract, Version: d.Version})
	}
	for _, d := range m.Sends {
		c.Sends = append(c.Sends, Dependency{Name: d.Name, Subject: d.Subject, Contract: d.Contract, Version: d.Version})
	}
	return c
}

// render writes m back as baton.yaml with the YAML library's quoting.
func render(t *testing.T, m *Manifest) []byte {
	t.Helper()
	type owned struct {
		Name    string `yaml:"name"`
		Subject string `yaml:"subject"`
		Schema  string `yaml:"schema"`
	}
	type dep struct {
		Name     string `yaml:"name"`
		Subject  string `yaml:"subject"`
		Contract string `yaml:"contract,omitempty"`
		Version  int    `yaml:"version,omitempty"`
	}
	type doc struct {
		Service string `yaml:"service"`
		Owner   string `yaml:"owner,omitempty"`
		Events  struct {
			Produces []owned `yaml:"produces,omitempty"`
			Consumes []dep   `yaml:"consumes,omitempty"`
		} `yaml:"events"`
		Commands struct {
			Handles []owned `yaml:"handles,omitempty"`
			Sends   []dep   `yaml:"sends,omitempty"`
		} `yaml:"commands"`
	}
	d := doc{Service: m.Service, Owner: m.Owner}
	for _, o := range m.Produces {
		d.Events.Produces = append(d.Events.Produces, owned{o.Name, o.Subject, o.Schema})
	}
	for _, o := range m.Handles {
		d.Commands.Handles = append(d.Commands.Handles, owned{o.Name, o.Subject, o.Schema})
	}
	for _, x := range m.Consumes {
		d.Events.Consumes = append(d.Events.Consumes, dep{x.Name, x.Subject, x.Contract, x.Version})
	}
	for _, x := range m.Sends {
		d.Commands.Sends = append(d.Commands.Sends, dep{x.Name, x.Subject, x.Contract, x.Version})
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(d); err != nil {
		t.Fatalf("writing the manifest back: %v", err)
	}
	return []byte(b.String())
}
