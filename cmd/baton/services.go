package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/manifest"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
	"github.com/batonhq/baton/report"
)

// The service commands talk to a registry: --registry or BATON_REGISTRY,
// with the bearer token from BATON_TOKEN (never printed).

type registryFlags struct {
	url    *string
	token  *string
	format *string
}

func addRegistryFlags(fs interface {
	String(name, value, usage string) *string
}, formats string) registryFlags {
	return registryFlags{
		url:    fs.String("registry", "", "registry URL (default: $BATON_REGISTRY); user:secret@ sends Basic credentials"),
		token:  fs.String("token", "", "secret of the registry token, sent as a bearer token (default: $BATON_TOKEN)"),
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
	tok := *f.token
	if tok == "" {
		tok = e.getenv("BATON_TOKEN")
	}
	if tok != "" {
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
func serviceInfo(m *manifest.Manifest) registry.Service {
	si := registry.Service{Name: m.Service, Owner: m.Owner, Relations: []registry.Relation{}}
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

// cmdPublish registers a manifest: the service with its relations and
// contracts, then its owned schemas as subject versions. Idempotent.
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
		Service   string           `json:"service"`
		Published []published      `json:"published"`
		Record    registry.Service `json:"record"`
	}{Service: m.Service, Published: []published{}}
	// The service first: registering it claims its messages, which a
	// registry with auth requires before a team's token may publish them.
	out.Record, err = c.RegisterService(ctx, serviceInfo(m), *force)
	if err != nil {
		return incompatibleError(e.stdout, *rf.format, fmt.Sprintf("%s: register service %s", m.File, m.Service), err)
	}
	for _, o := range owned(m) {
		sv, err := c.Publish(ctx, registry.PublishRequest{Subject: o.Subject, Schema: o.Text, Force: *force})
		if err != nil {
			return incompatibleError(e.stdout, *rf.format, fmt.Sprintf("%s: publish %s (%s)", m.File, o.Subject, o.Schema), err)
		}
		out.Published = append(out.Published, published{o.Subject, sv.Version.Version, sv.SchemaID})
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

// Check and impact build a report.Result: one Item per message/service
// pair, rendered in any --format and judged by --fail-on.
//
// Item modes say which way data flows from the point of view of the file
// the item points at: a consumer's contract reads what the proposed schema
// writes (forward), a sender's contract is read by it (backward).

// failOnFlag adds --fail-on as diff has it (--format comes with the
// registry flags).
func failOnFlag(fs interface {
	String(name, value, usage string) *string
}) (failOn *string) {
	return fs.String("fail-on", "breaking", "exit 1 on: breaking (breaking changes), warning (any finding) or none")
}

// render writes res in format and returns errBreaking when it fails the
// build at the --fail-on threshold.
func render(e env, format, failOnFlag string, res report.Result) error {
	failOn, err := report.ParseFailOn(failOnFlag)
	if err != nil {
		return usageError{err.Error()}
	}
	res.Mode = combinedMode(res.Items)
	if err := report.Render(e.stdout, format, res, report.Options{Color: useColor(e, format), FailOn: failOn}); err != nil {
		return err
	}
	if res.Fails(failOn) {
		return errBreaking
	}
	return nil
}

// combinedMode is the result's mode: the items' mode when they share one,
// otherwise the directions they cover together ("full" for both).
func combinedMode(items []report.Item) string {
	if len(items) == 0 {
		return "backward"
	}
	same := true
	back, fwd := false, false
	for _, it := range items {
		same = same && it.Mode == items[0].Mode
		back = back || strings.Contains(it.Mode, "backward") || strings.Contains(it.Mode, "full")
		fwd = fwd || strings.Contains(it.Mode, "forward") || strings.Contains(it.Mode, "full")
	}
	switch {
	case same:
		return items[0].Mode
	case back && fwd:
		return "full"
	case fwd:
		return "forward"
	}
	return "backward"
}

// withDirection sets the direction of findings that do not carry one, so
// report.Item.Location knows which schema Path points into.
func withDirection(fs []compat.Finding, dir string) []compat.Finding {
	out := make([]compat.Finding, len(fs))
	for i, f := range fs {
		if f.Direction == "" {
			f.Direction = dir
		}
		out[i] = f
	}
	return out
}

// roleMode is the direction of a consumes/sends check seen from the
// proposed schema: consumers read its data (forward), senders' data is read
// by it (backward).
func roleMode(role string) string {
	if role == "sends" {
		return "backward"
	}
	return "forward"
}

// impactItems turns an impact report on the proposed schema (file, text)
// into one item per impacted or safe service.
func impactItems(rep registry.ImpactReport, file string, text []byte) []report.Item {
	var items []report.Item
	for _, is := range rep.Impacted {
		mode := roleMode(is.Role)
		items = append(items, report.Item{Subject: rep.Subject, Service: is.Service, Role: is.Role, Mode: mode,
			SchemaFile: file, Schema: text, Findings: withDirection(is.Findings, mode)})
	}
	for _, s := range rep.Safe {
		items = append(items, report.Item{Subject: rep.Subject, Service: s.Service, Role: s.Role, Mode: roleMode(s.Role),
			SchemaFile: file, Schema: text, Note: s.Reason})
	}
	return items
}

// manifestPath names a file of the manifest as the user would: relative
// to the manifest's directory as given on the command line.
func manifestPath(m *manifest.Manifest, rel string) string {
	return filepath.Join(filepath.Dir(m.File), filepath.FromSlash(rel))
}

// cmdCheck is the dry run of publish: nothing is written. Each owned
// schema is checked against its history (an item for the owning service)
// and against the registered consumers and senders (an item each); each
// of the manifest's contracts against the message's current schema.
func cmdCheck(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "check", "[--registry URL | --against git:REF [--mode backward|forward|full]] [--format F] [--fail-on breaking|warning|none] [--root DIR] [baton.yaml]")
	rf := addRegistryFlags(fs, strings.Join(report.Formats, ", "))
	failOn := failOnFlag(fs)
	root := fs.String("root", "", "directory schema and contract paths may not leave (default: the manifest's directory)")
	against := fs.String("against", "", "offline, no registry: check each owned schema against its version at a git ref, git:REF (e.g. git:origin/main)")
	modeFlag := fs.String("mode", "", "with --against: backward (default), forward or full")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *against != "" || *modeFlag != "" {
		return cmdCheckOffline(ctx, e, pos, *rf.url, *rf.format, *failOn, *root, *against, *modeFlag)
	}
	c, err := rf.client(e, report.Formats...)
	if err != nil {
		return err
	}
	if _, err := report.ParseFailOn(*failOn); err != nil {
		return usageError{err.Error()}
	}
	m, err := loadManifest(pos, *root)
	if err != nil {
		return err
	}
	res := report.Result{Command: "check"}
	for _, group := range ownedGroups(m) {
		for _, o := range group.owned {
			file := manifestPath(m, o.Schema)
			it := report.Item{Subject: o.Subject, Service: m.Service, Role: group.role, SchemaFile: file, Schema: []byte(o.Text)}
			cfg, err := c.GetConfig(ctx, o.Subject, true)
			if err != nil {
				return fmt.Errorf("%s: compatibility of %s: %w", m.File, o.Subject, err)
			}
			it.Mode = strings.ToLower(string(cfg.Mode))
			rep, err := c.Check(ctx, registry.CheckRequest{Subject: o.Subject, Schema: o.Text})
			switch {
			case err == nil:
				it.Findings = rep.Findings
			case registry.ErrorKind(err) == registry.KindNotFound:
				it.Note = "new subject: no version is registered yet"
			default:
				return fmt.Errorf("%s: check %s: %w", m.File, o.Subject, err)
			}
			res.Items = append(res.Items, it)
			imp, err := c.Impact(ctx, o.Subject, o.Text)
			if err != nil {
				return fmt.Errorf("%s: impact of %s: %w", m.File, o.Subject, err)
			}
			res.Items = append(res.Items, impactItems(imp, file, []byte(o.Text))...)
		}
	}
	deps := []struct {
		role string
		ds   []manifest.Dependency
	}{{"consumes", m.Consumes}, {"sends", m.Sends}}
	for _, group := range deps {
		for _, d := range group.ds {
			it, err := checkContract(ctx, c, m, group.role, d)
			if err != nil {
				return fmt.Errorf("%s: contract for %s: %w", m.File, d.Subject, err)
			}
			res.Items = append(res.Items, it)
		}
	}
	return render(e, *rf.format, *failOn, res)
}

// checkContract runs the consumer-driven check locally: a consumer's
// contract must accept the message's current schema (writer=current,
// reader=contract); a sender's contract must be accepted by it
// (writer=contract, reader=current). The policy is the subject's. The item
// points at the contract file: for a consumer findings are in it (the
// reader, backward), for a sender at their writer side (forward).
func checkContract(ctx context.Context, c *httpapi.Client, m *manifest.Manifest, role string, d manifest.Dependency) (report.Item, error) {
	mode := "backward"
	if role == "sends" {
		mode = "forward"
	}
	it := report.Item{Subject: d.Subject, Service: m.Service, Role: role, Mode: mode}
	if d.Text == "" {
		it.Note = "no contract"
		if d.Version > 0 {
			it.Note = fmt.Sprintf("no contract; pinned to version %d", d.Version)
		}
		return it, nil
	}
	it.SchemaFile, it.Schema = manifestPath(m, d.Contract), []byte(d.Text)
	contract, err := compat.Compile([]byte(d.Text), compat.LoadOptions{Source: d.Contract})
	if err != nil {
		return it, err
	}
	sv, err := c.GetVersion(ctx, d.Subject, "latest", false)
	if registry.ErrorKind(err) == registry.KindNotFound {
		it.Note = "no version of " + d.Subject + " is registered yet"
		return it, nil
	}
	if err != nil {
		return it, err
	}
	cfg, err := c.GetConfig(ctx, d.Subject, true)
	if err != nil {
		return it, err
	}
	cur, err := compat.Compile([]byte(sv.Schema.Text), compat.LoadOptions{Source: d.Subject})
	if err != nil {
		return it, err
	}
	var rep compat.Report
	if role == "consumes" {
		rep = compat.Check(cur, contract, compat.Options{Policy: cfg.Policy})
	} else {
		rep = compat.Check(contract, cur, compat.Options{Policy: cfg.Policy})
	}
	it.BaseFile = fmt.Sprintf("registry:%s@%d", d.Subject, sv.Version.Version)
	it.Findings = withDirection(rep.Findings, mode)
	it.Note = fmt.Sprintf("checked against version %d", sv.Version.Version)
	return it, nil
}

// cmdImpact asks who breaks if SUBJECT becomes NEW.json: one item per
// registered consumer or sender, pointing at NEW.json.
func cmdImpact(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "impact", "--registry URL [--format F] [--fail-on breaking|warning|none] SUBJECT NEW.json")
	rf := addRegistryFlags(fs, strings.Join(report.Formats, ", "))
	failOn := failOnFlag(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("impact needs a SUBJECT and a schema file NEW.json")
	}
	c, err := rf.client(e, report.Formats...)
	if err != nil {
		return err
	}
	if _, err := report.ParseFailOn(*failOn); err != nil {
		return usageError{err.Error()}
	}
	text, err := readInput(e, pos[1])
	if err != nil {
		return err
	}
	rep, err := c.Impact(ctx, pos[0], string(text))
	if err != nil {
		return err
	}
	return render(e, *rf.format, *failOn, report.Result{Command: "impact", Items: impactItems(rep, displayName(pos[1]), text)})
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
	case "dot", "mermaid":
		text, _ := g.Format(*rf.format)
		_, err = io.WriteString(e.stdout, text)
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

// ownedGroup is what a manifest owns under one role.
type ownedGroup struct {
	role  string
	owned []manifest.Owned
}

// ownedGroups lists the schemas a manifest owns: produced events, then
// handled commands. check and check --against walk them in this order.
func ownedGroups(m *manifest.Manifest) []ownedGroup {
	return []ownedGroup{{"produces", m.Produces}, {"handles", m.Handles}}
}
