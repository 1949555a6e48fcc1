package registry

import (
	"fmt"
	"strings"
)

// Text formats of the impact graph, shared by `baton graph --format` and
// GET /v1/graph?format=, so the CLI and the web UI export the same thing.

// GraphFormats lists the text formats Graph.Format accepts besides JSON.
var GraphFormats = []string{"dot", "mermaid"}

// Format renders the graph as "dot" or "mermaid"; ok is false for any
// other format.
func (g Graph) Format(format string) (text string, ok bool) {
	switch format {
	case "dot":
		return g.DOT(), true
	case "mermaid":
		return g.Mermaid(), true
	}
	return "", false
}

// DOT writes Graphviz: services as boxes, events as ellipses, commands as
// diamonds, laid out left to right.
func (g Graph) DOT() string {
	shapes := map[string]string{"service": "box", "event": "ellipse", "command": "diamond"}
	var b strings.Builder
	b.WriteString("digraph baton {\n  rankdir=LR;\n")
	for _, n := range g.Nodes {
		label := n.Caption()
		if n.Owner != "" {
			label += "\n(" + n.Owner + ")" // %q writes the newline as DOT's \n
		}
		fmt.Fprintf(&b, "  %q [label=%q, shape=%s];\n", n.ID, label, shapes[n.Type])
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", e.From, e.To, string(e.Kind))
	}
	b.WriteString("}\n")
	return b.String()
}

// Mermaid writes a Mermaid flowchart; ids are made safe for Mermaid.
func (g Graph) Mermaid() string {
	ids := map[string]string{}
	for i, n := range g.Nodes {
		ids[n.ID] = fmt.Sprintf("n%d", i)
	}
	esc := func(s string) string { return strings.ReplaceAll(s, `"`, "#quot;") }
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, n := range g.Nodes {
		label := esc(n.Caption())
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
