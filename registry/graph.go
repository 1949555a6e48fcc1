package registry

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// GraphNode is a service or a message in the impact graph. IDs are
// "service:<name>", "event:<subject>" or "command:<subject>".
type GraphNode struct {
	ID    string `json:"id"`
	Type  string `json:"type"` // service | event | command
	Label string `json:"label"`
	Owner string `json:"owner,omitempty"` // services only
	// In the graph as deployed in an environment (GraphIn): a service's
	// deployed versions (several when kept live together), and a
	// message's subject versions its deployed producers or handlers
	// registered.
	Versions        []string `json:"versions,omitempty"`
	SubjectVersions []int    `json:"subjectVersions,omitempty"`
}

// Caption is the node's label with its versions, as drawn: "billing @a1,
// @b2" for a service with two live versions, "OrderPlaced v2, v3" for a
// message; the plain label outside an environment.
func (n GraphNode) Caption() string {
	var parts []string
	for _, v := range n.Versions {
		parts = append(parts, "@"+v)
	}
	for _, v := range n.SubjectVersions {
		parts = append(parts, fmt.Sprintf("v%d", v))
	}
	if len(parts) == 0 {
		return n.Label
	}
	return n.Label + " " + strings.Join(parts, ", ")
}

// GraphEdge follows the data: producer -> event -> consumer and
// sender -> command -> handler. Kind is the relation.
type GraphEdge struct {
	From string       `json:"from"`
	To   string       `json:"to"`
	Kind RelationKind `json:"kind"`
	// Versions, in an environment's graph: the deployed versions of the
	// edge's service that have the relation.
	Versions []string `json:"versions,omitempty"`
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

// GraphIn is the graph as deployed in env: a node for every service with
// a version deployed there (Versions: each live version; Owner from its
// current registration, if any), edges from what those versions'
// snapshots produce, consume, send and handle (Versions: which of them do),
// and the messages they name (SubjectVersions: the subject versions the
// deployed producers and handlers registered). The work is one pass over
// the deployed versions' relations, whose snapshots are cached as for
// can-i-deploy. Unknown environment: CodeEnvironmentNotFound.
func (s *Registrar) GraphIn(ctx context.Context, env string) (Graph, error) {
	g, err := s.graphIn(ctx, env)
	return g, s.fail(err)
}

func (s *Registrar) graphIn(ctx context.Context, env string) (Graph, error) {
	if err := checkEnvName(env); err != nil {
		return Graph{}, err
	}
	if err := s.syncSnapshots(ctx); err != nil {
		return Graph{}, err
	}
	registered, err := s.store.Services(ctx)
	if err != nil {
		return Graph{}, err
	}
	var g Graph
	err = s.withLease(func(l *lease) error {
		g, err = s.graphDeployed(ctx, l, env, registered)
		return err
	})
	return g, err
}

// graphDeployed draws env's deployed state, its snapshots held by l.
func (s *Registrar) graphDeployed(ctx context.Context, l *lease, env string, registered []Service) (Graph, error) {
	t, err := s.deployedState(ctx, l, env)
	if err != nil {
		return Graph{}, err
	}
	if err := s.loadTarget(ctx, l, t); err != nil {
		return Graph{}, err
	}
	owner := make(map[string]string, len(registered))
	for _, si := range registered {
		owner[si.Name] = si.Owner
	}
	names := make([]string, 0, len(t.env.base))
	for name := range t.env.base {
		names = append(names, name)
	}
	slices.Sort(names)
	type relKey struct {
		service, subject string
		kind             RelationKind
	}
	edgeVersions := map[relKey][]string{}
	subjectVersions := map[string][]int{}
	sis := make([]Service, 0, len(names))
	for _, name := range names {
		si := Service{Name: name, Owner: owner[name]}
		for _, v := range t.env.base[name] {
			sv, err := s.snapshot(ctx, l, ServiceRef{name, v})
			if err != nil {
				return Graph{}, err
			}
			for _, r := range sv.Relations {
				k := relKey{name, r.Subject, r.Kind}
				if _, ok := edgeVersions[k]; !ok {
					si.Relations = append(si.Relations, Relation{Subject: r.Subject, Kind: r.Kind})
				}
				edgeVersions[k] = append(edgeVersions[k], v)
				if r.Kind.Owns() && r.SchemaID != 0 && !slices.Contains(subjectVersions[r.Subject], r.Version) {
					subjectVersions[r.Subject] = append(subjectVersions[r.Subject], r.Version)
				}
			}
		}
		sis = append(sis, si)
	}
	g := BuildGraph(sis)
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Type == "service" {
			n.Versions = slices.Clone(t.env.base[n.Label])
			continue
		}
		n.SubjectVersions = subjectVersions[n.Label]
		slices.Sort(n.SubjectVersions)
	}
	for i := range g.Edges {
		e := &g.Edges[i]
		svc, msg := e.From, e.To
		if e.Kind == Consumes || e.Kind == Handles {
			svc, msg = msg, svc
		}
		_, subject, _ := strings.Cut(msg, ":")
		e.Versions = edgeVersions[relKey{strings.TrimPrefix(svc, "service:"), subject, e.Kind}]
	}
	return g, nil
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
