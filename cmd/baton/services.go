package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/batonhq/baton/asyncapi"
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
	if !slices.Contains(formats, *f.format) {
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

// loadManifest reads the manifest named by the positional arguments
// (default ./baton.yaml), a baton.yaml or an AsyncAPI document; a bad one
// is invalid input (exit 2).
func loadManifest(pos []string, root string) (*manifest.Manifest, error) {
	path := "baton.yaml"
	switch len(pos) {
	case 0:
	case 1:
		path = pos[0]
	default:
		return nil, usagef("expected at most one manifest, got %d arguments", len(pos))
	}
	// An AsyncAPI document describes the service as well as a baton.yaml
	// does (issue 17); its content says which it is, not its name.
	data, err := manifest.ReadFile(path)
	if err != nil {
		return nil, &manifest.Error{File: path, Msg: err.Error()}
	}
	if asyncapi.Is(data) {
		return asyncapi.Load(path, manifest.Options{Root: root})
	}
	return manifest.Load(path, manifest.Options{Root: root})
}

// manifestCheck is the registry's form of a manifest: its messages in
// manifest order with the texts of their files, each file named as the
// user names it (relative to the manifest's directory as given on the
// command line), which is how check's report items point at them.
func manifestCheck(m *manifest.Manifest) registry.ManifestCheck {
	mc := registry.ManifestCheck{Name: m.Service, Owner: m.Owner}
	for _, g := range ownedGroups(m) {
		for _, o := range g.owned {
			mc.Relations = append(mc.Relations, registry.ManifestRelation{Kind: g.kind, Subject: o.Subject, Name: o.Name,
				Schema: o.Text, File: manifestPath(m, o.Schema)})
		}
	}
	for _, g := range []struct {
		kind registry.RelationKind
		ds   []manifest.Dependency
	}{{registry.Consumes, m.Consumes}, {registry.Sends, m.Sends}} {
		for _, d := range g.ds {
			r := registry.ManifestRelation{Kind: g.kind, Subject: d.Subject, Name: d.Name, Contract: d.Text, Version: d.Version}
			if d.Contract != "" {
				r.File = manifestPath(m, d.Contract)
			}
			mc.Relations = append(mc.Relations, r)
		}
	}
	return mc
}

func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// printFindings writes findings for people: one line each
// (report.FindingLine), then the witness payload.
func printFindings(w io.Writer, indent string, fs []compat.Finding) {
	for _, f := range fs {
		fmt.Fprintf(w, "%s%s\n", indent, report.FindingLine(f))
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
		// The client's incompatible errors carry findings and impacted
		// services as lists, never null.
		if werr := writeIndentedJSON(w, map[string]any{"error": what, "message": e.Message, "findings": e.Findings, "impacted": e.Impacted}); werr != nil {
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

// cmdPublish registers a manifest: the service with its relations and
// contracts, then its owned schemas as subject versions. Idempotent.
func cmdPublish(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "publish", "[--registry URL] [--format text|json] [--force] [--version V] [--branch B] [--root DIR] [baton.yaml]")
	rf := addRegistryFlags(fs, "text, json")
	force := fs.Bool("force", false, "publish even if registered consumers or senders break (recorded by the registry); overwrite a recorded --version with other content")
	root := fs.String("root", "", "directory schema and contract paths may not leave (default: the manifest's directory)")
	version := fs.String("version", "", "record the service as this version (default: git rev-parse --short HEAD of the manifest's work tree)")
	branch := fs.String("branch", "", "the branch the version was built from (recorded with it)")
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
		Version   string           `json:"version,omitempty"` // the service version recorded
	}{Service: m.Service, Published: []published{}}
	// The service first: registering it claims its messages, which a
	// registry with auth requires before a team's token may publish them.
	out.Record, err = c.RegisterService(ctx, manifestCheck(m).Service(), *force)
	if err != nil {
		return incompatibleError(e.stdout, *rf.format, fmt.Sprintf("%s: register service %s", m.File, m.Service), err)
	}
	for _, g := range ownedGroups(m) {
		for _, o := range g.owned {
			sv, err := c.Publish(ctx, registry.PublishRequest{Subject: o.Subject, Schema: o.Text, Force: *force})
			if err != nil {
				return incompatibleError(e.stdout, *rf.format, fmt.Sprintf("%s: publish %s (%s)", m.File, o.Subject, o.Schema), err)
			}
			out.Published = append(out.Published, published{o.Subject, sv.Version.Version, sv.SchemaID})
		}
	}
	subjects := map[string]int{}
	for _, p := range out.Published {
		subjects[p.Subject] = p.Version
	}
	if out.Version, err = recordVersion(ctx, e, c, m.File, m.Service, *version, *branch, subjects, *force); err != nil {
		return err
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
	if out.Version != "" {
		fmt.Fprintf(e.stdout, "  service version %s recorded\n", out.Version)
	}
	return nil
}

// Check and impact build a report.Result: one Item per message/service
// pair, rendered in any --format and judged by --fail-on.

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
	res.Mode = report.CombinedMode(res.Items)
	if err := report.Render(e.stdout, format, res, report.Options{Color: useColor(e, format), FailOn: failOn}); err != nil {
		return err
	}
	if res.Fails(failOn) {
		return errBreaking
	}
	return nil
}

// manifestPath names a file of the manifest as the user would: relative
// to the manifest's directory as given on the command line.
func manifestPath(m *manifest.Manifest, rel string) string {
	return filepath.Join(filepath.Dir(m.File), filepath.FromSlash(rel))
}

// cmdCheck is the dry run of publish, and nothing is written: the
// registry's CheckManifest (one request) decides what publishing the
// manifest would, and this only renders its report. Offline, --against
// runs the same registry code over a throwaway store (offline.go).
func cmdCheck(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "check", "[--registry URL | --against git:REF [--mode backward|forward|full] [--max-steps N] [--max-memory BYTES]] [--format F] [--fail-on breaking|warning|none] [--root DIR] [baton.yaml]")
	rf := addRegistryFlags(fs, strings.Join(report.Formats, ", "))
	failOn := failOnFlag(fs)
	root := fs.String("root", "", "directory schema and contract paths may not leave (default: the manifest's directory)")
	against := fs.String("against", "", "offline, no registry: check each owned schema against its version at a git ref, git:REF (e.g. git:origin/main)")
	modeFlag := fs.String("mode", "", "with --against: backward (default), forward or full")
	budget := addBudgetFlags(fs) // with --against; a registry checks under its own budget
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *against != "" || *modeFlag != "" {
		if err := budget.validate(); err != nil {
			return err
		}
		return cmdCheckOffline(ctx, e, pos, *rf.url, *rf.format, *failOn, *root, *against, *modeFlag, budget)
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
	res, err := c.CheckManifest(ctx, manifestCheck(m))
	if err != nil {
		return fmt.Errorf("%s: %w", m.File, err)
	}
	return render(e, *rf.format, *failOn, res)
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
	return render(e, *rf.format, *failOn, report.Result{Command: "impact", Items: rep.Items(displayName(pos[1]), text)})
}

// cmdGraph prints the services graph.
func cmdGraph(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "graph", "--registry URL [--env E] [--format text|json|dot|mermaid]")
	rf := addRegistryFlags(fs, "text, json, dot, mermaid")
	envName := fs.String("env", "", "draw the services and versions deployed in this environment (default: the latest registrations)")
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
	var g registry.Graph
	if *envName != "" {
		g, err = c.GraphIn(ctx, *envName)
	} else {
		g, err = c.Graph(ctx)
	}
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
		fmt.Fprintf(&b, "%s %s %s %s\n", svc.Caption(), e.Kind, msg.Type, msg.Caption())
	}
	return b.String()
}

// ownedGroup is what a manifest owns under one relation.
type ownedGroup struct {
	kind  registry.RelationKind
	owned []manifest.Owned
}

// ownedGroups lists the schemas a manifest owns: produced events, then
// handled commands, the order in which publish publishes them and check
// reports them.
func ownedGroups(m *manifest.Manifest) []ownedGroup {
	return []ownedGroup{{registry.Produces, m.Produces}, {registry.Handles, m.Handles}}
}
