// Package asyncapi reads and writes AsyncAPI documents (issue 17): an
// AsyncAPI 3.0 or 2.x document describing one application becomes the same
// manifest.Manifest a baton.yaml gives, so `baton publish` and `baton check`
// accept either; Export renders a registered service back as AsyncAPI.
//
// Mapping (both directions): a message the service sends is an event it
// produces (the payload is the owned schema) or a command it sends (the
// payload is its writer contract); a message it receives is an event it
// consumes (the payload is its reader contract) or a command it handles
// (the payload is the owned schema). A message or operation is a command
// when it says x-baton-kind: command or carries a tag named "command". In
// 2.x a channel's `subscribe` operation is what the application sends and
// `publish` what it receives (2.x describes what others may do).
package asyncapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/batonhq/baton/manifest"
	"github.com/batonhq/baton/registry"
)

// Options tune Parse.
type Options struct {
	// ReadFile loads the document a $ref names by a relative file path,
	// relative to the document holding the $ref (from); it returns the
	// resolved path and the content. nil refuses such references: only the
	// CLI reads files (Load sets it), never the server.
	ReadFile func(from, rel string) (path string, data []byte, err error)
}

// Is reports whether data is an AsyncAPI document: a YAML or JSON mapping
// with a top-level "asyncapi" field. Anything else (a baton.yaml, or data
// that does not decode) is not.
func Is(data []byte) bool {
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(data, &top); err != nil {
		return false
	}
	_, ok := top["asyncapi"]
	return ok
}

// Load reads the AsyncAPI document at path and resolves its $refs to
// other local files relative to it, inside opts.Root (default: the
// document's directory), as manifest.Load resolves schema paths.
func Load(path string, opts manifest.Options) (*manifest.Manifest, error) {
	data, err := manifest.ReadFile(path)
	if err != nil {
		return nil, &manifest.Error{File: path, Msg: err.Error()}
	}
	root := opts.Root
	if root == "" {
		root = filepath.Dir(path)
	}
	return Parse(path, data, Options{ReadFile: func(from, rel string) (string, []byte, error) {
		return manifest.ReadInside(filepath.Dir(from), root, filepath.FromSlash(rel))
	}})
}

// document is one decoded file: the main document or one a $ref names.
type document struct {
	file string
	root *yaml.Node
}

// at is a node and where it is: its document and JSON Pointer.
type at struct {
	doc *document
	n   *yaml.Node
	ptr string
}

// child is a's member key, or item key (a decimal index) of a sequence.
func (a at) child(key string) at {
	c := at{doc: a.doc, ptr: a.ptr + "/" + escape(key)}
	if a.n != nil && a.n.Kind == yaml.SequenceNode {
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(a.n.Content) {
			c.n = a.n.Content[i]
		}
		return c
	}
	c.n = get(a.n, key)
	return c
}

// maxRefHops bounds a chain of $refs (and catches $ref cycles).
const maxRefHops = 64

// maxNodes bounds the nodes one payload expands to, so YAML aliases and
// shared $refs cannot blow a small document up.
const maxNodes = 1 << 18

// maxDepth bounds how deep a payload nests once its $refs and aliases are
// expanded.
const maxDepth = 200

type parser struct {
	opts    Options
	main    *document
	docs    map[string]*document
	version int // 2 or 3
	err     *manifest.Error
	nodes   int
}

// entry is one relation the document declares.
type entry struct {
	kind    registry.RelationKind
	name    string
	subject string
	text    string // payload as JSON Schema text, "" without a payload
	pin     int
	ptr     string // where the payload (or the message) is
	line    int
}

// Parse turns an AsyncAPI document into a manifest; file names it in
// errors, whose Field is the JSON Pointer of the problem.
func Parse(file string, data []byte, opts Options) (*manifest.Manifest, error) {
	p := &parser{opts: opts, docs: map[string]*document{}}
	doc, err := decode(file, data)
	if err != nil {
		return nil, err
	}
	p.main = doc
	p.docs[file] = doc
	m := p.manifest(at{doc: doc, n: doc.root})
	if p.err != nil {
		return nil, p.err
	}
	m.File = file
	return m, nil
}

func decode(file string, data []byte) (*document, *manifest.Error) {
	var n yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &manifest.Error{File: file, Msg: "empty document"}
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		var line int
		if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
			msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		}
		return nil, &manifest.Error{File: file, Line: line, Msg: msg}
	}
	root := &n
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		root = n.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, &manifest.Error{File: file, Line: root.Line, Field: "#", Msg: "an AsyncAPI document must be a mapping"}
	}
	return &document{file: file, root: root}, nil
}

func (p *parser) fail(a at, format string, args ...any) {
	if p.err != nil {
		return
	}
	line := 0
	if a.n != nil {
		line = a.n.Line
	}
	ptr := a.ptr
	if ptr == "" {
		ptr = "#"
	} else {
		ptr = "#" + ptr
	}
	p.err = &manifest.Error{File: a.doc.file, Line: line, Field: ptr, Msg: fmt.Sprintf(format, args...)}
}

// get is key's value in mapping n (nil when absent or n is no mapping).
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// str is a's string value ("" when absent); anything else is an error.
func (p *parser) str(a at) string {
	if a.n == nil {
		return ""
	}
	if a.n.Kind != yaml.ScalarNode || a.n.Tag != "!!str" {
		p.fail(a, "must be a string")
		return ""
	}
	return a.n.Value
}

// deref follows a's $ref chain to the node it names.
func (p *parser) deref(a at) at {
	for hops := 0; a.n != nil && p.err == nil; hops++ {
		ref := get(a.n, "$ref")
		if ref == nil {
			return a
		}
		if hops == maxRefHops {
			p.fail(a, "$ref chain longer than %d (a cycle?)", maxRefHops)
			return at{doc: a.doc}
		}
		a = p.resolve(a.child("$ref"))
	}
	return a
}

// resolve finds what the $ref string at r names.
func (p *parser) resolve(r at) at {
	ref := p.str(r)
	if p.err != nil {
		return at{doc: r.doc}
	}
	file, frag, _ := strings.Cut(ref, "#")
	if u, err := url.Parse(file); strings.HasPrefix(file, "//") || (err == nil && u.Scheme != "") || (err != nil && strings.Contains(file, ":")) {
		p.fail(r, "remote $ref %q refused: Baton never loads URLs; copy the definition into the document or a local file", ref)
		return at{doc: r.doc}
	}
	doc := r.doc
	if file != "" {
		if doc = p.load(r, file); doc == nil {
			return at{doc: r.doc}
		}
	}
	if frag != "" && !strings.HasPrefix(frag, "/") {
		p.fail(r, "$ref %q: only JSON Pointer fragments (#/...) are supported", ref)
		return at{doc: r.doc}
	}
	cur := at{doc: doc, n: doc.root}
	if frag == "" {
		return cur
	}
	for _, raw := range strings.Split(frag[1:], "/") {
		tok, err := url.PathUnescape(raw)
		if err != nil {
			tok = raw
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		next := at{doc: doc, ptr: cur.ptr + "/" + escape(tok)}
		switch {
		case cur.n != nil && cur.n.Kind == yaml.AliasNode:
			cur.n = cur.n.Alias
			fallthrough
		case cur.n != nil && cur.n.Kind == yaml.MappingNode:
			next.n = get(cur.n, tok)
		case cur.n != nil && cur.n.Kind == yaml.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(cur.n.Content) {
				next.n = cur.n.Content[i]
			}
		}
		if next.n == nil {
			p.fail(r, "$ref %q: nothing at %s in %s", ref, next.ptr, doc.file)
			return at{doc: r.doc}
		}
		cur = next
	}
	return cur
}

// load decodes the local file a $ref names, once.
func (p *parser) load(r at, rel string) *document {
	if p.opts.ReadFile == nil {
		p.fail(r, "$ref to the file %q refused: the registry never reads files; publish with the baton CLI, which resolves local files", rel)
		return nil
	}
	path, data, err := p.opts.ReadFile(r.doc.file, rel)
	if err != nil {
		p.fail(r, "$ref %q: %v", rel, err)
		return nil
	}
	if d, ok := p.docs[path]; ok {
		return d
	}
	d, derr := decode(path, data)
	if derr != nil {
		p.err = derr
		return nil
	}
	p.docs[path] = d
	return d
}

func (p *parser) manifest(root at) *manifest.Manifest {
	v := root.child("asyncapi")
	ver := p.str(v)
	switch {
	case p.err != nil:
		return nil
	case strings.HasPrefix(ver, "3.0."):
		p.version = 3
	case strings.HasPrefix(ver, "2."):
		p.version = 2
	default:
		p.fail(v, "AsyncAPI version %q is not supported (3.0.x and 2.x are)", ver)
		return nil
	}
	info := p.deref(root.child("info"))
	if info.n == nil {
		p.fail(root, "info is required")
		return nil
	}
	m := &manifest.Manifest{}
	svc := root.child("x-baton-service")
	if svc.n == nil {
		svc = info.child("x-baton-service")
	}
	if svc.n == nil {
		svc = info.child("title")
	}
	m.Service = p.str(svc)
	if p.err == nil && !registry.ValidName(m.Service) {
		p.fail(svc, "%q is not a valid service name (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128); set x-baton-service", m.Service)
	}
	owner := root.child("x-baton-owner")
	if owner.n == nil {
		owner = info.child("x-baton-owner")
	}
	if owner.n == nil {
		owner = p.deref(info.child("contact")).child("name")
	}
	m.Owner = p.str(owner)
	if p.err != nil {
		return nil
	}
	var entries []entry
	if p.version == 3 {
		entries = p.operations3(root)
	} else {
		entries = p.channels2(root)
	}
	if p.err != nil {
		return nil
	}
	p.fill(m, entries)
	return m
}

// operations3 reads 3.0's operations: each is a send or a receive of the
// messages it lists (by default every message of its channel), and its
// reply is the opposite action on the reply's messages.
func (p *parser) operations3(root at) []entry {
	var out []entry
	for _, entryAt := range p.members(root.child("operations")) {
		if p.err != nil {
			break
		}
		op := p.deref(entryAt)
		act := op.child("action")
		var send bool
		switch p.str(act) {
		case "send":
			send = true
		case "receive":
		default:
			p.fail(act, "action must be send or receive")
			return nil
		}
		out = append(out, p.opMessages(op, op, send)...)
		if reply := p.deref(op.child("reply")); reply.n != nil && p.err == nil {
			out = append(out, p.opMessages(reply, op, !send)...)
		}
	}
	return out
}

// members lists the entries of the mapping at a (not yet dereferenced):
// none when a is absent, a failure when it is not a mapping.
func (p *parser) members(a at) []at {
	a = p.deref(a)
	if a.n == nil {
		return nil
	}
	if a.n.Kind != yaml.MappingNode {
		p.fail(a, "must be a mapping")
		return nil
	}
	out := make([]at, 0, len(a.n.Content)/2)
	for i := 0; i+1 < len(a.n.Content); i += 2 {
		out = append(out, a.child(a.n.Content[i].Value))
	}
	return out
}

// opMessages reads the messages of a 3.0 operation or reply (holder):
// its messages list, else every message of its channel.
func (p *parser) opMessages(holder, op at, send bool) []entry {
	var msgs []at
	if list := holder.child("messages"); list.n != nil {
		if list.n.Kind != yaml.SequenceNode {
			p.fail(list, "must be a list")
			return nil
		}
		for i := range list.n.Content {
			msgs = append(msgs, list.child(strconv.Itoa(i)))
		}
	} else {
		ch := p.deref(holder.child("channel"))
		if ch.n == nil {
			if holder.ptr == op.ptr && p.err == nil {
				p.fail(op, "channel is required")
			}
			return nil
		}
		cm := p.deref(ch.child("messages"))
		if cm.n != nil && cm.n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(cm.n.Content); i += 2 {
				msgs = append(msgs, cm.child(cm.n.Content[i].Value))
			}
		}
	}
	var out []entry
	for _, m := range msgs {
		if e, ok := p.message(m, op, send); ok {
			out = append(out, e)
		}
	}
	return out
}

// channels2 reads 2.x's channels: subscribe is what the application
// sends, publish what it receives; an operation's message may be a oneOf.
func (p *parser) channels2(root at) []entry {
	var out []entry
	for _, entryAt := range p.members(root.child("channels")) {
		if p.err != nil {
			break
		}
		ch := p.deref(entryAt)
		for _, o := range []struct {
			key  string
			send bool
		}{{"subscribe", true}, {"publish", false}} {
			op := p.deref(ch.child(o.key))
			if op.n == nil {
				continue
			}
			msg := p.deref(op.child("message"))
			if msg.n == nil {
				p.fail(op, "message is required")
				return nil
			}
			var msgs []at
			if one := msg.child("oneOf"); one.n != nil && one.n.Kind == yaml.SequenceNode {
				for j := range one.n.Content {
					msgs = append(msgs, one.child(strconv.Itoa(j)))
				}
			} else {
				msgs = append(msgs, msg)
			}
			for _, m := range msgs {
				if e, ok := p.message(m, op, o.send); ok {
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// message reads one message (m, maybe a $ref) of operation op.
func (p *parser) message(m, op at, send bool) (entry, bool) {
	// Aliases let a small document name a message very many times; each
	// visit counts against the same budget as payload nodes.
	if p.nodes++; p.nodes > maxNodes {
		p.fail(m, "the document expands to more than %d nodes", maxNodes)
		return entry{}, false
	}
	msg := p.deref(m)
	if msg.n == nil || p.err != nil {
		p.fail(m, "message is missing")
		return entry{}, false
	}
	if msg.n.Kind != yaml.MappingNode {
		p.fail(msg, "a message must be a mapping")
		return entry{}, false
	}
	command := p.isCommand(msg)
	if x := msg.child("x-baton-kind"); x.n == nil && !command {
		command = p.isCommand(op)
	}
	if p.err != nil {
		return entry{}, false
	}
	// The name: name, 2.x's messageId, else the key the message is
	// declared under (components/messages/<key>, a channel's messages/<key>).
	nameAt := msg.child("name")
	if nameAt.n == nil && p.version == 2 {
		nameAt = msg.child("messageId")
	}
	name := p.str(nameAt)
	if nameAt.n == nil {
		name = p.messageKey(m)
		nameAt = msg
	}
	if p.err == nil && !registry.ValidName(name) {
		p.fail(nameAt, "message name %q is not a valid subject (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128); set name or x-baton-subject", name)
	}
	subject := name
	if s := msg.child("x-baton-subject"); s.n != nil {
		subject = p.str(s)
		if p.err == nil && !registry.ValidName(subject) {
			p.fail(s, "%q is not a valid subject", subject)
		}
	}
	if p.err != nil {
		return entry{}, false
	}
	e := entry{name: name, subject: subject, ptr: msg.ptr, line: msg.n.Line}
	switch {
	case send && command:
		e.kind = registry.Sends
	case send:
		e.kind = registry.Produces
	case command:
		e.kind = registry.Handles
	default:
		e.kind = registry.Consumes
	}
	if pin := msg.child("x-baton-pinned-version"); pin.n != nil {
		n, err := strconv.Atoi(pin.n.Value)
		if pin.n.Kind != yaml.ScalarNode || pin.n.Tag != "!!int" || err != nil || n < 1 {
			p.fail(pin, "must be a positive integer")
			return entry{}, false
		}
		e.pin = n
	}
	e.text, e.ptr = p.payload(msg, name)
	if p.err != nil {
		return entry{}, false
	}
	if e.pin > 0 && e.text != "" {
		p.fail(msg.child("x-baton-pinned-version"), "give a payload or a pinned version, not both")
		return entry{}, false
	}
	if e.text == "" && e.kind.Owns() {
		p.fail(msg, "message %s has no payload: the service %s it, so the document provides its schema", name, e.kind)
		return entry{}, false
	}
	return e, true
}

// messageKey is the key a message is declared under: of all the places
// its $ref chain passes through, the last that is a member of a
// "messages" map (components/messages/<key>, a channel's messages/<key>).
func (p *parser) messageKey(m at) string {
	name := ""
	for hops := 0; m.n != nil && p.err == nil && hops <= maxRefHops; hops++ {
		if parts := strings.Split(m.ptr, "/"); len(parts) >= 2 && parts[len(parts)-2] == "messages" {
			name = strings.ReplaceAll(strings.ReplaceAll(parts[len(parts)-1], "~1", "/"), "~0", "~")
		}
		if get(m.n, "$ref") == nil {
			break
		}
		m = p.resolve(m.child("$ref"))
	}
	return name
}

// isCommand reads x-baton-kind and the tags of a message or operation.
func (p *parser) isCommand(a at) bool {
	if x := a.child("x-baton-kind"); x.n != nil {
		switch p.str(x) {
		case "command":
			return true
		case "event":
			return false
		default:
			p.fail(x, "x-baton-kind must be event or command")
			return false
		}
	}
	tags := p.deref(a.child("tags"))
	if tags.n == nil || tags.n.Kind != yaml.SequenceNode {
		return false
	}
	for i := range tags.n.Content {
		t := p.deref(tags.child(strconv.Itoa(i)))
		if n := get(t.n, "name"); n != nil && n.Value == "command" {
			return true
		}
	}
	return false
}

// Payload formats Baton registers; the values are the JSON Schema dialect.
const (
	dialect07   = "http://json-schema.org/draft-07/schema#"
	dialect2020 = "https://json-schema.org/draft/2020-12/schema"
)

// dialectOf maps a schemaFormat to the JSON Schema dialect it is, "" when
// Baton cannot register it (Avro, Protobuf, RAML, OpenAPI...).
func dialectOf(format string) string {
	f := strings.ToLower(strings.ReplaceAll(format, " ", ""))
	switch {
	case f == "", strings.HasPrefix(f, "application/vnd.aai.asyncapi;"), strings.HasPrefix(f, "application/vnd.aai.asyncapi+json;"),
		strings.HasPrefix(f, "application/vnd.aai.asyncapi+yaml;"), f == "application/vnd.aai.asyncapi",
		f == "application/schema+json;version=draft-07", f == "application/schema+yaml;version=draft-07":
		return dialect07
	case f == "application/schema+json;version=2020-12", f == "application/schema+yaml;version=2020-12":
		return dialect2020
	}
	return ""
}

// payload returns the message's payload as JSON Schema text ("" when it
// has none) and the pointer of the payload.
func (p *parser) payload(msg at, name string) (string, string) {
	pl := msg.child("payload")
	if pl.n == nil {
		return "", msg.ptr
	}
	format := ""
	fmtAt := msg.child("schemaFormat")
	schema := pl
	if p.version == 3 {
		// 3.0's payload may be a Multi Format Schema Object.
		d := p.deref(pl)
		if f := d.child("schemaFormat"); f.n != nil {
			fmtAt, schema = f, d.child("schema")
		}
	}
	if fmtAt.n != nil {
		format = p.str(fmtAt)
	}
	dialect := dialectOf(format)
	if p.err != nil {
		return "", ""
	}
	if dialect == "" {
		p.fail(fmtAt, "message %s: payload format %q is not supported; Baton registers JSON Schema (the AsyncAPI Schema Object, application/schema+json;version=draft-07 or version=2020-12)", name, format)
		return "", ""
	}
	if schema.n == nil {
		p.fail(pl, "message %s: schema is required", name)
		return "", ""
	}
	text := p.bundle(schema, dialect)
	return text, schema.ptr
}

// bundle writes the schema at a as one standalone JSON Schema: $refs into
// the document (components/schemas, ...) or local files are inlined; a
// recursive one becomes a $ref to the root or to definitions ($defs for
// 2020-12), which the bundle carries.
func (p *parser) bundle(a at, dialect string) string {
	b := &bundler{p: p, dialect: dialect, names: map[string]string{}}
	root := p.deref(a)
	if p.err != nil {
		return ""
	}
	b.rootKey = key(root)
	var buf bytes.Buffer
	if root.n.Kind != yaml.MappingNode {
		b.value(&buf, root, nil)
		return buf.String()
	}
	stack := []string{b.rootKey}
	buf.WriteByte('{')
	first := b.members(&buf, root, stack, true)
	if dialect == dialect2020 && get(root.n, "$schema") == nil {
		// Without $schema the registry would read the text as its default
		// dialect; the format said 2020-12.
		if !first {
			buf.WriteByte(',')
		}
		buf.WriteString(`"$schema":"` + dialect2020 + `"`)
		first = false
	}
	defsKey := "definitions"
	if dialect == dialect2020 {
		defsKey = "$defs"
	}
	if len(b.order) > 0 {
		if get(root.n, defsKey) != nil {
			p.fail(root, "recursive $refs cannot be bundled into a payload that has its own %s", defsKey)
			return ""
		}
		if !first {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, "%q:{", defsKey)
		// Writing a definition may find further recursive targets.
		for i := 0; i < len(b.order); i++ {
			t := b.targets[i]
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(&buf, b.names[b.order[i]])
			buf.WriteByte(':')
			b.value(&buf, t, []string{b.order[i]})
		}
		buf.WriteByte('}')
	}
	buf.WriteByte('}')
	if p.err != nil {
		return ""
	}
	// Indent for people reading the registered text.
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		p.fail(a, "payload does not convert to JSON: %v", err)
		return ""
	}
	return out.String()
}

type bundler struct {
	p       *parser
	dialect string
	rootKey string
	depth   int
	names   map[string]string // target key -> definitions name
	order   []string          // target keys in the order found
	targets []at
}

func key(a at) string { return a.doc.file + "#" + a.ptr }

// members writes a mapping's members (not its braces); it reports whether
// none was written.
func (b *bundler) members(buf *bytes.Buffer, a at, stack []string, first bool) bool {
	n := a.n
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if !first {
			buf.WriteByte(',')
		}
		first = false
		writeString(buf, k)
		buf.WriteByte(':')
		b.value(buf, a.child(k), stack)
	}
	return first
}

func (b *bundler) value(buf *bytes.Buffer, a at, stack []string) {
	p := b.p
	if p.err != nil {
		return
	}
	if p.nodes++; p.nodes > maxNodes {
		p.fail(a, "payload expands to more than %d nodes", maxNodes)
		return
	}
	// Recursive YAML aliases and $ref chains nest without end; no schema
	// needs this depth.
	if b.depth++; b.depth > maxDepth {
		p.fail(a, "payload nests deeper than %d levels", maxDepth)
		return
	}
	defer func() { b.depth-- }()
	n := a.n
	if n.Kind == yaml.AliasNode {
		n = n.Alias
		a.n = n
	}
	switch n.Kind {
	case yaml.MappingNode:
		if ref := get(n, "$ref"); ref != nil && ref.Kind == yaml.ScalarNode {
			b.ref(buf, a, stack)
			return
		}
		buf.WriteByte('{')
		b.members(buf, a, stack, true)
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			b.value(buf, a.child(strconv.Itoa(i)), stack)
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		b.scalar(buf, a)
	default:
		p.fail(a, "unexpected YAML node")
	}
}

// ref writes a schema that is a $ref (maybe with sibling keywords, which
// then apply alongside the target through allOf).
func (b *bundler) ref(buf *bytes.Buffer, a at, stack []string) {
	p := b.p
	target := p.deref(p.resolve(a.child("$ref")))
	if p.err != nil {
		return
	}
	siblings := len(a.n.Content) > 2
	if siblings {
		buf.WriteString(`{"allOf":[{`)
		first := true
		for i := 0; i+1 < len(a.n.Content); i += 2 {
			k := a.n.Content[i].Value
			if k == "$ref" {
				continue
			}
			if !first {
				buf.WriteByte(',')
			}
			first = false
			writeString(buf, k)
			buf.WriteByte(':')
			b.value(buf, a.child(k), stack)
		}
		buf.WriteString("},")
	}
	tk := key(target)
	switch {
	case tk == b.rootKey:
		buf.WriteString(`{"$ref":"#"}`)
	case slices.Contains(stack, tk) || b.names[tk] != "":
		name, ok := b.names[tk]
		if !ok {
			name = b.defName(target)
		}
		defs := "definitions"
		if b.dialect == dialect2020 {
			defs = "$defs"
		}
		fmt.Fprintf(buf, `{"$ref":"#/%s/%s"}`, defs, escape(name))
	default:
		b.value(buf, target, append(stack, tk))
	}
	if siblings {
		buf.WriteString("]}")
	}
}

// defName names a recursive target in definitions: the last segment of
// its pointer, made unique.
func (b *bundler) defName(t at) string {
	base := t.ptr[strings.LastIndex(t.ptr, "/")+1:]
	base = strings.ReplaceAll(strings.ReplaceAll(base, "~1", "/"), "~0", "~")
	if base == "" {
		base = "def"
	}
	name := base
	for i := 2; slices.Contains(mapValues(b.names), name); i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	k := key(t)
	b.names[k] = name
	b.order = append(b.order, k)
	b.targets = append(b.targets, t)
	return name
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func (b *bundler) scalar(buf *bytes.Buffer, a at) {
	s, err := scalarJSON(a.n)
	if err != nil {
		b.p.fail(a, "%v", err)
		return
	}
	buf.WriteString(s)
}

// scalarJSON is a YAML scalar as JSON: null, booleans and numbers as such,
// anything else (timestamps included) as a string.
func scalarJSON(n *yaml.Node) (string, error) {
	switch n.Tag {
	case "!!null":
		return "null", nil
	case "!!bool":
		var v bool
		if err := n.Decode(&v); err != nil {
			return "", err
		}
		return strconv.FormatBool(v), nil
	case "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return "", err
		}
		if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			return "", fmt.Errorf("%s is not a JSON number", n.Value)
		}
		data, err := json.Marshal(v)
		return string(data), err
	}
	var buf bytes.Buffer
	writeString(&buf, n.Value)
	return buf.String(), nil
}

func writeString(buf *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	buf.Write(bytes.TrimRight(tmp.Bytes(), "\n"))
}

// fill puts the entries into the manifest: a message named twice in the
// same role (shared by several operations) counts once when its payloads
// agree.
func (p *parser) fill(m *manifest.Manifest, entries []entry) {
	type roleKey struct {
		kind    registry.RelationKind
		subject string
	}
	seen := map[roleKey]entry{}
	base := filepath.Base(p.main.file)
	for _, e := range entries {
		k := roleKey{e.kind, e.subject}
		if prev, ok := seen[k]; ok {
			if prev.text != e.text || prev.pin != e.pin || prev.name != e.name {
				p.err = &manifest.Error{File: p.main.file, Line: e.line, Field: "#" + e.ptr,
					Msg: fmt.Sprintf("the service %s %s twice with different messages or payloads (also at #%s)", e.kind, e.subject, prev.ptr)}
				return
			}
			continue
		}
		seen[k] = e
		where := base + "#" + e.ptr
		switch e.kind {
		case registry.Produces:
			m.Produces = append(m.Produces, manifest.Owned{Name: e.name, Subject: e.subject, Schema: where, Path: where, Text: e.text, Line: e.line})
		case registry.Handles:
			m.Handles = append(m.Handles, manifest.Owned{Name: e.name, Subject: e.subject, Schema: where, Path: where, Text: e.text, Line: e.line})
		default:
			d := manifest.Dependency{Name: e.name, Subject: e.subject, Text: e.text, Version: e.pin, Line: e.line}
			if e.text != "" {
				d.Contract, d.Path = where, where
			}
			if e.kind == registry.Consumes {
				m.Consumes = append(m.Consumes, d)
			} else {
				m.Sends = append(m.Sends, d)
			}
		}
	}
}
