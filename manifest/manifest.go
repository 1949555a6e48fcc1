// Package manifest reads a service's baton.yaml (DESIGN.md section 2): the
// service, its owner, and the events and commands it produces, consumes,
// handles and sends, with the schema files it owns and the contract files
// it depends on.
//
// Decoding is strict: an unknown key is an error naming file:line, and so
// is every validation failure. Schema and contract paths are relative to
// the manifest and must stay inside the root directory (by default the
// manifest's own directory): absolute paths, ".." escapes and symlinks that
// lead outside are refused.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/batonhq/baton/registry"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds the manifest and every file it names.
const MaxFileSize = 4 << 20

// Manifest is a parsed and validated baton.yaml.
type Manifest struct {
	File     string // the manifest's path as given to Load
	Service  string
	Owner    string
	Produces []Owned      // events this service produces (it owns their schemas)
	Consumes []Dependency // events it consumes (reader contracts)
	Handles  []Owned      // commands it handles (it owns their schemas)
	Sends    []Dependency // commands it sends (writer contracts)
}

// Owned is a message whose schema the service owns.
type Owned struct {
	Name    string // message name
	Subject string // registry subject; defaults to Name
	Schema  string // path as written in the manifest
	Path    string // resolved path of the schema file
	Text    string // the schema file's content
	Line    int    // line of the entry in the manifest

	pathLine int // line of the schema field
}

// Dependency is a message the service relies on: a consumed event (its
// contract is a reader schema) or a sent command (a writer schema).
type Dependency struct {
	Name     string
	Subject  string // defaults to Name
	Contract string // path as written; "" when the service has no contract
	Path     string // resolved contract path ("" without a contract)
	Text     string // the contract's content ("" without a contract)
	Version  int    // pinned message version; 0 = the latest at registration
	Line     int

	pathLine int // line of the contract field
}

// Error is a manifest problem at a place in a file.
type Error struct {
	File  string
	Line  int    // 0 when the problem has no line (e.g. unreadable file)
	Field string // dotted path of the field, e.g. events.consumes[1].contract
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Options tune Load.
type Options struct {
	// Root is the directory no schema or contract path may leave (e.g. the
	// repository root). "" means the manifest's directory.
	Root string
}

// Load reads, decodes, validates and resolves the manifest at path, and
// reads every schema and contract file it names.
func Load(path string, opts Options) (*Manifest, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	m, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	root := opts.Root
	if root == "" {
		root = filepath.Dir(path)
	}
	if err := m.resolve(filepath.Dir(path), root); err != nil {
		return nil, err
	}
	return m, nil
}

// Parse decodes and validates manifest data; file names it in errors.
// Paths are not resolved and files are not read (Load does that).
func Parse(file string, data []byte) (*Manifest, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: "empty manifest"}
		}
		return nil, lastLine(yamlError(file, err), data)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, lastLine(&Error{File: file, Line: extra.Line, Msg: "more than one YAML document"}, data)
	}
	p := parser{file: file}
	m := p.manifest(&doc)
	if p.err != nil {
		return nil, lastLine(p.err, data)
	}
	m.File = file
	return m, nil
}

// lastLine keeps e's line inside data: YAML places the end of the stream,
// and an empty document after "---", on the line after the last one.
func lastLine(e *Error, data []byte) *Error {
	e.Line = min(e.Line, lineCount(data))
	return e
}

// lineCount counts lines as YAML does: "\n", "\r\n" and a lone "\r" end
// one, and so do NEL, LS and PS.
func lineCount(data []byte) int {
	n := 1
	for i, r := range string(data) {
		switch r {
		case '\n', '\u0085', '\u2028', '\u2029':
			n++
		case '\r':
			if i+1 >= len(data) || data[i+1] != '\n' {
				n++
			}
		}
	}
	return n
}

func yamlError(file string, err error) *Error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return &Error{File: file, Line: line, Msg: msg}
}

// parser walks the YAML node tree; the first error stops it.
type parser struct {
	file string
	err  *Error
}

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	if p.err == nil {
		line := 0
		if n != nil {
			line = n.Line
		}
		p.err = &Error{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
}

// mapping returns key -> value of a mapping node, refusing unknown and
// duplicate keys.
func (p *parser) mapping(n *yaml.Node, field string, allowed ...string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.fail(n, field, "must be a mapping")
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := join(field, k.Value)
		if k.Kind != yaml.ScalarNode || !contains(allowed, k.Value) {
			p.fail(k, name, "unknown field (allowed: %s)", strings.Join(allowed, ", "))
			return nil
		}
		if _, dup := out[k.Value]; dup {
			p.fail(k, name, "duplicate field")
			return nil
		}
		out[k.Value] = v
	}
	return out
}

func (p *parser) str(n *yaml.Node, field string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n, field, "must be a string")
		return ""
	}
	if n.Tag != "!!str" {
		p.fail(n, field, "must be a string (quote it)")
		return ""
	}
	return n.Value
}

func (p *parser) seq(n *yaml.Node, field string) []*yaml.Node {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, field, "must be a list")
		return nil
	}
	return n.Content
}

func (p *parser) name(n *yaml.Node, field string, required bool) string {
	s := p.str(n, field)
	if p.err != nil {
		return ""
	}
	if s == "" {
		if required {
			p.fail(n, field, "is required")
		}
		return ""
	}
	if !registry.ValidName(s) {
		p.fail(n, field, "%q is not a valid name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128", s)
	}
	return s
}

func (p *parser) manifest(doc *yaml.Node) *Manifest {
	root := doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	f := p.mapping(root, "", "service", "owner", "events", "commands")
	if p.err != nil {
		return nil
	}
	m := &Manifest{}
	if f["service"] == nil {
		p.fail(root, "service", "is required")
		return nil
	}
	m.Service = p.name(f["service"], "service", true)
	m.Owner = p.str(f["owner"], "owner")
	if ev := f["events"]; ev != nil {
		e := p.mapping(ev, "events", "produces", "consumes")
		m.Produces = p.owned(e["produces"], "events.produces")
		m.Consumes = p.deps(e["consumes"], "events.consumes")
	}
	if cmd := f["commands"]; cmd != nil {
		c := p.mapping(cmd, "commands", "handles", "sends")
		m.Handles = p.owned(c["handles"], "commands.handles")
		m.Sends = p.deps(c["sends"], "commands.sends")
	}
	if p.err != nil {
		return nil
	}
	p.unique(m)
	return m
}

func (p *parser) owned(n *yaml.Node, field string) []Owned {
	var out []Owned
	for i, e := range p.seq(n, field) {
		at := fmt.Sprintf("%s[%d]", field, i)
		f := p.mapping(e, at, "name", "subject", "schema")
		if p.err != nil {
			return nil
		}
		if f["name"] == nil {
			p.fail(e, at+".name", "is required")
			return nil
		}
		o := Owned{Line: e.Line, Name: p.name(f["name"], at+".name", true), Subject: p.str(f["subject"], at+".subject"), Schema: p.str(f["schema"], at+".schema")}
		if f["schema"] != nil {
			o.pathLine = f["schema"].Line
		}
		if o.Schema == "" {
			p.fail(e, at+".schema", "is required: the service owns %s, so it provides its schema", o.Name)
		}
		if o.Subject == "" {
			o.Subject = o.Name
		}
		out = append(out, o)
	}
	return out
}

func (p *parser) deps(n *yaml.Node, field string) []Dependency {
	var out []Dependency
	for i, e := range p.seq(n, field) {
		at := fmt.Sprintf("%s[%d]", field, i)
		f := p.mapping(e, at, "name", "subject", "contract", "version")
		if p.err != nil {
			return nil
		}
		if f["name"] == nil {
			p.fail(e, at+".name", "is required")
			return nil
		}
		d := Dependency{Line: e.Line, Name: p.name(f["name"], at+".name", true), Subject: p.str(f["subject"], at+".subject"), Contract: p.str(f["contract"], at+".contract")}
		if f["contract"] != nil {
			d.pathLine = f["contract"].Line
		}
		if v := f["version"]; v != nil {
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" {
				p.fail(v, at+".version", "must be a positive integer")
			} else if err := v.Decode(&d.Version); err != nil || d.Version < 1 {
				p.fail(v, at+".version", "must be a positive integer, got %s", v.Value)
			} else if d.Contract != "" {
				p.fail(v, at+".version", "give a contract or a pinned version, not both")
			}
		}
		if d.Subject == "" {
			d.Subject = d.Name
		}
		out = append(out, d)
	}
	return out
}

// unique refuses a subject listed twice in the same role.
func (p *parser) unique(m *Manifest) {
	check := func(field string, subjects []string, lines []int) {
		seen := map[string]bool{}
		for i, s := range subjects {
			if seen[s] {
				p.err = &Error{File: p.file, Line: lines[i], Field: fmt.Sprintf("%s[%d]", field, i), Msg: fmt.Sprintf("%s is listed twice", s)}
				return
			}
			seen[s] = true
		}
	}
	for _, l := range []struct {
		field string
		own   []Owned
		dep   []Dependency
	}{{"events.produces", m.Produces, nil}, {"events.consumes", nil, m.Consumes}, {"commands.handles", m.Handles, nil}, {"commands.sends", nil, m.Sends}} {
		var subjects []string
		var lines []int
		for _, o := range l.own {
			subjects, lines = append(subjects, o.Subject), append(lines, o.Line)
		}
		for _, d := range l.dep {
			subjects, lines = append(subjects, d.Subject), append(lines, d.Line)
		}
		check(l.field, subjects, lines)
		if p.err != nil {
			return
		}
	}
}

// resolve turns every schema and contract path into a file inside root and
// reads it.
func (m *Manifest) resolve(dir, root string) error {
	rootAbs, err := filepath.Abs(root)
	if err != nil {
		return &Error{File: m.File, Msg: err.Error()}
	}
	if r, err := filepath.EvalSymlinks(rootAbs); err == nil {
		rootAbs = r
	}
	read := func(rel string, line int, field string) (string, string, error) {
		path, err := inside(dir, rootAbs, rel)
		if err == nil {
			var data []byte
			if data, err = readLimited(path); err == nil {
				return path, string(data), nil
			}
		}
		return "", "", &Error{File: m.File, Line: line, Field: field, Msg: err.Error()}
	}
	for i := range m.Produces {
		o := &m.Produces[i]
		if o.Path, o.Text, err = read(o.Schema, o.pathLine, fmt.Sprintf("events.produces[%d].schema", i)); err != nil {
			return err
		}
	}
	for i := range m.Handles {
		o := &m.Handles[i]
		if o.Path, o.Text, err = read(o.Schema, o.pathLine, fmt.Sprintf("commands.handles[%d].schema", i)); err != nil {
			return err
		}
	}
	for i := range m.Consumes {
		d := &m.Consumes[i]
		if d.Contract != "" {
			if d.Path, d.Text, err = read(d.Contract, d.pathLine, fmt.Sprintf("events.consumes[%d].contract", i)); err != nil {
				return err
			}
		}
	}
	for i := range m.Sends {
		d := &m.Sends[i]
		if d.Contract != "" {
			if d.Path, d.Text, err = read(d.Contract, d.pathLine, fmt.Sprintf("commands.sends[%d].contract", i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// inside resolves rel against dir and refuses anything that leaves root,
// also through symlinks.
func inside(dir, root, rel string) (string, error) {
	if filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, `\`) || filepath.VolumeName(rel) != "" {
		return "", fmt.Errorf("%q: absolute paths are not allowed; use a path relative to the manifest", rel)
	}
	abs, err := filepath.Abs(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	r, err := filepath.Rel(root, abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%q leads outside %s; schema and contract files must be inside it", rel, root)
	}
	return abs, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, MaxFileSize)
	}
	return data, nil
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ReadFile reads path as Load reads a manifest: at most MaxFileSize bytes.
// Other readers of service descriptions (the asyncapi package) use it so
// every file the CLI reads has the same bound.
func ReadFile(path string) ([]byte, error) { return readLimited(path) }

// ReadInside reads rel, relative to dir, refusing anything that leaves
// root (also through symlinks), as Load does for schema files; it returns
// the resolved path and the content.
func ReadInside(dir, root, rel string) (string, []byte, error) {
	rootAbs, err := filepath.Abs(root)
	if err != nil {
		return "", nil, err
	}
	if r, err := filepath.EvalSymlinks(rootAbs); err == nil {
		rootAbs = r
	}
	path, err := inside(dir, rootAbs, rel)
	if err != nil {
		return "", nil, err
	}
	data, err := readLimited(path)
	return path, data, err
}
