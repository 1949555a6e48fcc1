package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/manifest"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

// The service commands talk to a registry: --registry or BATON_REGISTRY,
// with the bearer token from BATON_TOKEN (never printed).

type registryFlags struct {
	url    *string
	format *string
}

func addRegistryFlags(fs interface {
	String(name, value, usage string) *string
}, formats string) registryFlags {
	return registryFlags{
		url:    fs.String("registry", "", "registry URL (default: $BATON_REGISTRY)"),
		format: fs.String("format", "text", "output format: "+formats),
	}
}

func (f registryFlags) client(e env, formats ...string) (*httpapi.Client, error) {
	if !oneOf(formats, *f.format) {
		return nil, usagef("--format must be one of %s, not %q", strings.Join(formats, ", "), *f.format)
	}
	u := *f.url
	if u == "" {
		u = e.getenv("BATON_REGISTRY")
	}
	if u == "" {
		return nil, usagef("no registry: give --registry URL or set BATON_REGISTRY")
	}
	var opts []httpapi.ClientOption
	if tok := e.getenv("BATON_TOKEN"); tok != "" {
		opts = append(opts, httpapi.WithToken(tok))
	}
	return httpapi.NewClient(u, opts...), nil
}

func oneOf(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// loadManifest reads the manifest named by the positional arguments
// (default ./baton.yaml); a bad manifest is invalid input (exit 2).
func loadManifest(pos []string, root string) (*manifest.Manifest, error) {
	path := "baton.yaml"
	switch len(pos) {
	case 0:
	case 1:
		path = pos[0]
	default:
		return nil, usagef("expected at most one manifest, got %d arguments", len(pos))
	}
	return manifest.Load(path, manifest.Options{Root: root})
}

// serviceInfo is the registry's form of a manifest.
func serviceInfo(m *manifest.Manifest) registry.ServiceInfo {
	si := registry.ServiceInfo{Name: m.Service, Owner: m.Owner, Relations: []registry.Relation{}}
	for _, o := range m.Produces {
		si.Relations = append(si.Relations, registry.Relation{Subject: o.Subject, Name: o.Name, Kind: registry.Produces})
	}
	for _, o := range m.Handles {
		si.Relations = append(si.Relations, registry.Relation{Subject: o.Subject, Name: o.Name, Kind: registry.Handles})
	}
	for _, d := range m.Consumes {
		si.Relations = append(si.Relations, registry.Relation{Subject: d.Subject, Name: d.Name, Kind: registry.Consumes, Contract: d.Text, Version: d.Version, Pinned: d.Version > 0})
	}
	for _, d := range m.Sends {
		si.Relations = append(si.Relations, registry.Relation{Subject: d.Subject, Name: d.Name, Kind: registry.Sends, Contract: d.Text, Version: d.Version, Pinned: d.Version > 0})
	}
	return si
}

// owned lists the manifest's owned messages (produced events, handled
// commands) in manifest order.
func owned(m *manifest.Manifest) []manifest.Owned {
	return append(append([]manifest.Owned{}, m.Produces...), m.Handles...)
}

func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// printFindings writes findings for people: rule, place, message and the
// witness payload.
func printFindings(w io.Writer, indent string, fs []compat.Finding) {
	for _, f := range fs {
		path := f.Path
		if path == "" {
			path = "/"
		}
		fmt.Fprintf(w, "%s%s at %s: %s\n", indent, f.Rule, path, f.Message)
		if len(f.Example) > 0 {
			fmt.Fprintf(w, "%s  example: %s\n", indent, f.Example)
		}
	}
}

func printImpact(w io.Writer, rep registry.ImpactReport) {
	kind := string(rep.Kind)
	if kind == "" {
		kind = "message"
	}
	if len(rep.Impacted)+len(rep.Safe) == 0 {
		fmt.Fprintf(w, "%s %s: no registered service consumes or sends it\n", kind, rep.Subject)
		return
	}
	fmt.Fprintf(w, "%s %s: %d impacted, %d safe\n", kind, rep.Subject, len(rep.Impacted), len(rep.Safe))
	for _, is := range rep.Impacted {
		fmt.Fprintf(w, "  IMPACTED %s (%s)\n", is.Service, is.Role)
		printFindings(w, "    ", is.Findings)
	}
	for _, s := range rep.Safe {
		fmt.Fprintf(w, "  safe     %s (%s): %s\n", s.Service, s.Role, s.Reason)
	}
}

// incompatibleError prints a refused publish or registration (409) and
// returns errBreaking; other errors pass through.
func incompatibleError(w io.Writer, format, what string, err error) error {
	var e *registry.Error
	if !errors.As(err, &e) || e.Kind != registry.KindIncompatible {
		return err
	}
	if format == "json" {
		if werr := writeIndentedJSON(w, map[string]any{"error": what, "message": e.Message, "findings": nonNilFindings(e.Findings), "impacted": nonNilImpacted(e.Impacted)}); werr != nil {
			return werr
		}
		return errBreaking
	}
	fmt.Fprintf(w, "%s: refused as incompatible\n", what)
	if len(e.Impacted) > 0 {
		for _, is := range e.Impacted {
			fmt.Fprintf(w, "  IMPACTED %s (%s)\n", is.Service, is.Role)
			printFindings(w, "    ", is.Findings)
		}
	} else {
		printFindings(w, "  ", e.Findings)
	}
	return errBreaking
}

func nonNilFindings(fs []compat.Finding) []compat.Finding {
	if fs == nil {
		return []compat.Finding{}
	}
	return fs
}

func nonNilImpacted(is []registry.ImpactedService) []registry.ImpactedService {
	if is == nil {
		return []registry.ImpactedService{}
	}
	return is
}

// cmdPublish registers a manifest: its owned schemas as subject versions,
// then the service with its relations and contracts. Idempotent.
func cmdPublish(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "publish", "[--registry URL] [--format text|json] [--force] [--root DIR] [baton.yaml]")
	rf := addRegistryFlags(fs, "text, json")
	force := fs.Bool("force", false, "publish even if registered consumers or senders break (recorded by the registry)")
	root := fs.String("root", "", "directory schema and contract paths may not leave (default: the manifest's directory)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	c, err := rf.client(e, "text", "json")
	if err != nil {
		return err
	}
	m, err := loadManifest(pos, *root)
	if err != nil {
		return err
	}
	type published struct {
		Subject string `json:"subject"`
		Version int    `json:"version"`
		ID      int64  `json:"id"`
	}
	out := struct {
		Service   string               `json:"service"`
		Published []published          `json:"published"`
		Record    registry.ServiceInfo `json:"record"`
	}{Service: m.Service, Published: []published{}}
	for _, o := range owned(m) {
		sv, err := c.Publish(ctx, registry.PublishRequest{Subject: o.Subject, Schema: o.Text, Force: *force})
		if err != nil {
			return incompatibleError(e.stdout, *rf.format, fmt.Sprintf("%s: publish %s (%s)", m.File, o.Subject, o.Schema), err)
		}
		out.Published = append(out.Published, published{o.Subject, sv.Version.Version, sv.SchemaID})
	}
	out.Record, err = c.RegisterService(ctx, serviceInfo(m), *force)
	if err != nil {
		return incompatibleError(e.stdout, *rf.format, fmt.Sprintf("%s: register service %s", m.File, m.Service), err)
	}
	if *rf.format == "json" {
		return writeIndentedJSON(e.stdout, out)
	}
	fmt.Fprintf(e.stdout, "service %s registered (%d relations)\n", m.Service, len(out.Record.Relations))
	for _, p := range out.Published {
		fmt.Fprintf(e.stdout, "  %s: version %d (id %d)\n", p.Subject, p.Version, p.ID)
	}
	for _, r := range out.Record.Relations {
		if r.Contract != "" {
			fmt.Fprintf(e.stdout, "  contract: %s %s (contract version %d)\n", r.Kind, r.Subject, r.ContractVersion)
		}
	}
	return nil
}

// contractResult is one contract checked against a message's current schema.
type contractResult struct {
	Subject    string           `json:"subject"`
	Role       string           `json:"role"` // consumes | sends
	Version    int              `json:"version,omitempty"`
	Compatible bool             `json:"compatible"`
	Findings   []compat.Finding `json:"findings"`
	Note       string           `json:"note,omitempty"`
}

// schemaResult is one owned schema: compatibility with its history and
// the impact on registered services.
type schemaResult struct {
	Subject    string                `json:"subject"`
	File       string                `json:"file"`
	Compatible bool                  `json:"compatible"`
	Findings   []compat.Finding      `json:"findings"`
	Impact     registry.ImpactReport `json:"impact"`
}

// cmdCheck is the dry run of publish: nothing is written.
func cmdCheck(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "check", "[--registry URL] [--format text|json] [--root DIR] [baton.yaml]")
	rf := addRegistryFlags(fs, "text, json")
	root := fs.String("root", "", "directory schema and contract paths may not leave (default: the manifest's directory)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	c, err := rf.client(e, "text", "json")
	if err != nil {
		return err
	}
	m, err := loadManifest(pos, *root)
	if err != nil {
		return err
	}
	out := struct {
		Service    string           `json:"service"`
		Compatible bool             `json:"compatible"`
		Schemas    []schemaResult   `json:"schemas"`
		Contracts  []contractResult `json:"contracts"`
	}{Service: m.Service, Compatible: true, Schemas: []schemaResult{}, Contracts: []contractResult{}}
	for _, o := range owned(m) {
		r := schemaResult{Subject: o.Subject, File: o.Schema, Compatible: true, Findings: []compat.Finding{}}
		rep, err := c.Check(ctx, registry.CheckRequest{Subject: o.Subject, Schema: o.Text})
		switch {
		case err == nil:
			r.Compatible, r.Findings = rep.Compatible, nonNilFindings(rep.Findings)
		case registry.ErrorKind(err) == registry.KindNotFound: // a new subject has no history
		default:
			return fmt.Errorf("%s: check %s: %w", m.File, o.Subject, err)
		}
		if r.Impact, err = c.Impact(ctx, o.Subject, o.Text); err != nil {
			return fmt.Errorf("%s: impact of %s: %w", m.File, o.Subject, err)
		}
		out.Compatible = out.Compatible && r.Compatible && !r.Impact.Breaking()
		out.Schemas = append(out.Schemas, r)
	}
	deps := []struct {
		role string
		ds   []manifest.Dependency
	}{{"consumes", m.Consumes}, {"sends", m.Sends}}
	for _, group := range deps {
		for _, d := range group.ds {
			r, err := checkContract(ctx, c, group.role, d)
			if err != nil {
				return fmt.Errorf("%s: contract for %s: %w", m.File, d.Subject, err)
			}
			out.Compatible = out.Compatible && r.Compatible
			out.Contracts = append(out.Contracts, r)
		}
	}
	if *rf.format == "json" {
		if err := writeIndentedJSON(e.stdout, out); err != nil {
			return err
		}
	} else {
		verdict := "OK"
		if !out.Compatible {
			verdict = "BREAKING"
		}
		fmt.Fprintf(e.stdout, "service %s: %s\n", m.Service, verdict)
		for _, s := range out.Schemas {
			state := "compatible"
			if !s.Compatible {
				state = "INCOMPATIBLE with its history"
			}
			fmt.Fprintf(e.stdout, "schema %s (%s): %s\n", s.Subject, s.File, state)
			printFindings(e.stdout, "  ", s.Findings)
			printImpact(e.stdout, s.Impact)
		}
		for _, r := range out.Contracts {
			state := "satisfied by"
			if !r.Compatible {
				state = "NOT satisfied by"
			}
			switch {
			case r.Note != "":
				fmt.Fprintf(e.stdout, "contract %s %s: %s\n", r.Role, r.Subject, r.Note)
			default:
				fmt.Fprintf(e.stdout, "contract %s %s: %s version %d\n", r.Role, r.Subject, state, r.Version)
			}
			printFindings(e.stdout, "  ", r.Findings)
		}
	}
	if !out.Compatible {
		return errBreaking
	}
	return nil
}

// checkContract runs the consumer-driven check locally: a consumer's
// contract must accept the message's current schema (writer=current,
// reader=contract); a sender's contract must be accepted by it
// (writer=contract, reader=current). The policy is the subject's.
func checkContract(ctx context.Context, c *httpapi.Client, role string, d manifest.Dependency) (contractResult, error) {
	r := contractResult{Subject: d.Subject, Role: role, Compatible: true, Findings: []compat.Finding{}}
	if d.Text == "" {
		r.Note = "no contract"
		if d.Version > 0 {
			r.Note = fmt.Sprintf("no contract; pinned to version %d", d.Version)
		}
		return r, nil
	}
	contract, err := compat.Compile([]byte(d.Text), compat.LoadOptions{Source: d.Contract})
	if err != nil {
		return r, err
	}
	sv, err := c.GetVersion(ctx, d.Subject, "latest", false)
	if registry.ErrorKind(err) == registry.KindNotFound {
		r.Note = "no version of " + d.Subject + " is registered yet"
		return r, nil
	}
	if err != nil {
		return r, err
	}
	cfg, err := c.GetConfig(ctx, d.Subject, true)
	if err != nil {
		return r, err
	}
	cur, err := compat.Compile([]byte(sv.Schema.Text), compat.LoadOptions{Source: d.Subject})
	if err != nil {
		return r, err
	}
	var rep compat.Report
	if role == "consumes" {
		rep = compat.Check(cur, contract, compat.Options{Policy: cfg.Policy})
	} else {
		rep = compat.Check(contract, cur, compat.Options{Policy: cfg.Policy})
	}
	r.Version, r.Compatible, r.Findings = sv.Version.Version, rep.Compatible, nonNilFindings(rep.Findings)
	return r, nil
}

// cmdImpact asks who breaks if SUBJECT becomes NEW.json.
func cmdImpact(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "impact", "--registry URL [--format text|json] SUBJECT NEW.json")
	rf := addRegistryFlags(fs, "text, json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("impact needs a SUBJECT and a schema file NEW.json")
	}
	c, err := rf.client(e, "text", "json")
	if err != nil {
		return err
	}
	text, err := os.ReadFile(pos[1])
	if err != nil {
		return err
	}
	rep, err := c.Impact(ctx, pos[0], string(text))
	if err != nil {
		return err
	}
	if *rf.format == "json" {
		err = writeIndentedJSON(e.stdout, rep)
	} else {
		printImpact(e.stdout, rep)
	}
	if err == nil && rep.Breaking() {
		return errBreaking
	}
	return err
}

// cmdGraph prints the services graph.
func cmdGraph(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "graph", "--registry URL [--format text|json|dot|mermaid]")
	rf := addRegistryFlags(fs, "text, json, dot, mermaid")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("graph takes no arguments")
	}
	c, err := rf.client(e, "text", "json", "dot", "mermaid")
	if err != nil {
		return err
	}
	g, err := c.Graph(ctx)
	if err != nil {
		return err
	}
	switch *rf.format {
	case "json":
		return writeIndentedJSON(e.stdout, g)
	case "dot":
		_, err = io.WriteString(e.stdout, renderDOT(g))
	case "mermaid":
		_, err = io.WriteString(e.stdout, renderMermaid(g))
	default:
		_, err = io.WriteString(e.stdout, renderGraphText(g))
	}
	return err
}

func nodeLabels(g registry.Graph) map[string]registry.GraphNode {
	m := make(map[string]registry.GraphNode, len(g.Nodes))
	for _, n := range g.Nodes {
		m[n.ID] = n
	}
	return m
}

func renderGraphText(g registry.Graph) string {
	nodes := nodeLabels(g)
	var b strings.Builder
	for _, e := range g.Edges {
		from, to := nodes[e.From], nodes[e.To]
		svc, msg := from, to
		if from.Type != "service" {
			svc, msg = to, from
		}
		fmt.Fprintf(&b, "%s %s %s %s\n", svc.Label, e.Kind, msg.Type, msg.Label)
	}
	return b.String()
}

// renderDOT writes Graphviz: services as boxes, events as ellipses,
// commands as diamonds.
func renderDOT(g registry.Graph) string {
	shapes := map[string]string{"service": "box", "event": "ellipse", "command": "diamond"}
	var b strings.Builder
	b.WriteString("digraph baton {\n  rankdir=LR;\n")
	for _, n := range g.Nodes {
		label := n.Label
		if n.Owner != "" {
			label += "\\n(" + n.Owner + ")"
		}
		fmt.Fprintf(&b, "  %q [label=%q, shape=%s];\n", n.ID, label, shapes[n.Type])
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", e.From, e.To, string(e.Kind))
	}
	b.WriteString("}\n")
	return b.String()
}

// renderMermaid writes a Mermaid flowchart; ids are made safe for Mermaid.
func renderMermaid(g registry.Graph) string {
	ids := map[string]string{}
	for i, n := range g.Nodes {
		ids[n.ID] = fmt.Sprintf("n%d", i)
	}
	esc := func(s string) string { return strings.ReplaceAll(s, `"`, "#quot;") }
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, n := range g.Nodes {
		label := esc(n.Label)
		switch n.Type {
		case "service":
			fmt.Fprintf(&b, "  %s[\"%s\"]\n", ids[n.ID], label)
		case "event":
			fmt.Fprintf(&b, "  %s([\"%s\"])\n", ids[n.ID], label)
		default:
			fmt.Fprintf(&b, "  %s{{\"%s\"}}\n", ids[n.ID], label)
		}
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  %s -->|%s| %s\n", ids[e.From], e.Kind, ids[e.To])
	}
	return b.String()
}
