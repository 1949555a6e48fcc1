package registry

import (
	"cmp"
	"context"
	"sort"
)

// GraphNode is a service or a message in the impact graph. IDs are
// "service:<name>", "event:<subject>" or "command:<subject>".
type GraphNode struct {
	ID    string `json:"id"`
	Type  string `json:"type"` // service | event | command
	Label string `json:"label"`
	Owner string `json:"owner,omitempty"` // services only
}

// GraphEdge follows the data: producer -> event -> consumer and
// sender -> command -> handler. Kind is the relation.
type GraphEdge struct {
	From string       `json:"from"`
	To   string       `json:"to"`
	Kind RelationKind `json:"kind"`
}

// Graph is every registered service, every message they relate to, and
// the relations between them, sorted by id (nodes) and by (from, to, kind).
type Graph struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []GraphEdge `json:"edges"`
}

// Graph builds the impact graph from the registered services.
func (s *Registrar) Graph(ctx context.Context) (Graph, error) {
	sis, err := s.store.Services(ctx)
	if err != nil {
		return Graph{}, s.fail(err)
	}
	return BuildGraph(sis), nil
}

// BuildGraph builds the graph of services. A message's type is inferred
// from the relations that name it as impact infers it (messageKindOf).
func BuildGraph(sis []Service) Graph {
	g := Graph{Nodes: []GraphNode{}, Edges: []GraphEdge{}}
	kinds := map[string][]RelationKind{}
	for _, si := range sis {
		for _, r := range si.Relations {
			kinds[r.Subject] = append(kinds[r.Subject], r.Kind)
		}
	}
	kind := make(map[string]MessageKind, len(kinds))
	for subject, ks := range kinds {
		// A drawn message needs a kind: when its relations disagree, the
		// first one's.
		kind[subject] = cmp.Or(messageKindOf(ks), ks[0].MessageKind())
	}
	msgID := func(subject string) string { return string(kind[subject]) + ":" + subject }
	for _, si := range sis {
		id := "service:" + si.Name
		g.Nodes = append(g.Nodes, GraphNode{ID: id, Type: "service", Label: si.Name, Owner: si.Owner})
		for _, r := range si.Relations {
			e := GraphEdge{From: id, To: msgID(r.Subject), Kind: r.Kind}
			if r.Kind == Consumes || r.Kind == Handles {
				e.From, e.To = e.To, e.From
			}
			g.Edges = append(g.Edges, e)
		}
	}
	for subject, k := range kind {
		g.Nodes = append(g.Nodes, GraphNode{ID: msgID(subject), Type: string(k), Label: subject})
	}
	sort.Slice(g.Nodes, func(i, j int) bool { return g.Nodes[i].ID < g.Nodes[j].ID })
	sort.Slice(g.Edges, func(i, j int) bool {
		a, b := g.Edges[i], g.Edges[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return a.Kind < b.Kind
	})
	return g
}
