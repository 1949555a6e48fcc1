package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/batonhq/baton/registry"
)

// serviceBody is a manifest (baton.yaml) in JSON form, with the texts of
// its files in place of their paths. PUT /v1/services/{name} registers one:
// owned messages (produces, handles) name subjects only, and their schemas
// are published as subject versions (POST /subjects/{s}/versions), as
// `baton publish` does. POST /v1/check checks one without writing: owned
// messages carry their proposed schema, and each entry may name the file
// its text came from, which the report's items echo as schemaFile.
type serviceBody struct {
	Service string `json:"service,omitempty"` // optional; must equal {name}
	Owner   string `json:"owner,omitempty"`
	Events  struct {
		Produces []ownedBody `json:"produces,omitempty"`
		Consumes []depBody   `json:"consumes,omitempty"`
	} `json:"events"`
	Commands struct {
		Handles []ownedBody `json:"handles,omitempty"`
		Sends   []depBody   `json:"sends,omitempty"`
	} `json:"commands"`
}

type ownedBody struct {
	Name       string               `json:"name"`
	Subject    string               `json:"subject,omitempty"`    // "" = name
	Schema     *string              `json:"schema,omitempty"`     // /v1/check only (PUT refuses it)
	References []registry.Reference `json:"references,omitempty"` // of the schema
	File       string               `json:"file,omitempty"`       // where the schema came from
}

type depBody struct {
	Name     string `json:"name"`
	Subject  string `json:"subject,omitempty"`  // "" = name
	Contract string `json:"contract,omitempty"` // the contract schema text
	Version  int    `json:"version,omitempty"`  // pinned version when there is no contract
	File     string `json:"file,omitempty"`     // where the contract came from (/v1/check)
}

// toService turns a body into the domain form.
func (b serviceBody) toService(name string) (registry.Service, error) {
	if b.Service != "" && b.Service != name {
		return registry.Service{}, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest,
			"body names service %q but the path names %q", b.Service, name)
	}
	si := registry.Service{Name: name, Owner: b.Owner, Relations: []registry.Relation{}}
	for _, os := range [][]ownedBody{b.Events.Produces, b.Commands.Handles} {
		for _, o := range os {
			if o.Schema != nil {
				return registry.Service{}, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest,
					"%s: owned messages carry no schema here; publish it with POST /subjects/%s/versions (baton publish does both)", o.Name, orName(o.Subject, o.Name))
			}
		}
	}
	owned := func(kind registry.RelationKind, os []ownedBody) {
		for _, o := range os {
			si.Relations = append(si.Relations, registry.Relation{Subject: orName(o.Subject, o.Name), Name: o.Name, Kind: kind})
		}
	}
	deps := func(kind registry.RelationKind, ds []depBody) {
		for _, d := range ds {
			si.Relations = append(si.Relations, registry.Relation{Subject: orName(d.Subject, d.Name), Name: d.Name, Kind: kind, Contract: d.Contract, Version: d.Version})
		}
	}
	owned(registry.Produces, b.Events.Produces)
	deps(registry.Consumes, b.Events.Consumes)
	owned(registry.Handles, b.Commands.Handles)
	deps(registry.Sends, b.Commands.Sends)
	return si, nil
}

// toManifest turns a POST /v1/check body into the domain form: every owned
// message must carry its proposed schema.
func (b serviceBody) toManifest() (registry.ManifestCheck, error) {
	if b.Service == "" {
		return registry.ManifestCheck{}, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest,
			`expected a manifest: {"service": "<name>", "events": {...}, "commands": {...}}`)
	}
	m := registry.ManifestCheck{Name: b.Service, Owner: b.Owner}
	owned := func(kind registry.RelationKind, os []ownedBody) error {
		for _, o := range os {
			if o.Schema == nil {
				return registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest,
					"%s %s: an owned message needs its proposed schema (\"schema\": \"<the JSON Schema as a string>\")", kind, orName(o.Subject, o.Name))
			}
			m.Relations = append(m.Relations, registry.ManifestRelation{Kind: kind, Subject: orName(o.Subject, o.Name), Name: o.Name,
				Schema: *o.Schema, References: o.References, File: o.File})
		}
		return nil
	}
	deps := func(kind registry.RelationKind, ds []depBody) {
		for _, d := range ds {
			m.Relations = append(m.Relations, registry.ManifestRelation{Kind: kind, Subject: orName(d.Subject, d.Name), Name: d.Name,
				Contract: d.Contract, Version: d.Version, File: d.File})
		}
	}
	if err := owned(registry.Produces, b.Events.Produces); err != nil {
		return registry.ManifestCheck{}, err
	}
	if err := owned(registry.Handles, b.Commands.Handles); err != nil {
		return registry.ManifestCheck{}, err
	}
	deps(registry.Consumes, b.Events.Consumes)
	deps(registry.Sends, b.Commands.Sends)
	return m, nil
}

// fromManifest is the inverse of toManifest, for Client.
func fromManifest(m registry.ManifestCheck) serviceBody {
	b := serviceBody{Service: m.Name, Owner: m.Owner}
	for _, r := range m.Relations {
		name := orName(r.Name, r.Subject)
		switch r.Kind {
		case registry.Produces, registry.Handles:
			o := ownedBody{Name: name, Subject: r.Subject, Schema: &r.Schema, References: r.References, File: r.File}
			if r.Kind == registry.Produces {
				b.Events.Produces = append(b.Events.Produces, o)
			} else {
				b.Commands.Handles = append(b.Commands.Handles, o)
			}
		case registry.Consumes, registry.Sends:
			d := depBody{Name: name, Subject: r.Subject, Contract: r.Contract, Version: r.Version, File: r.File}
			if r.Kind == registry.Consumes {
				b.Events.Consumes = append(b.Events.Consumes, d)
			} else {
				b.Commands.Sends = append(b.Commands.Sends, d)
			}
		}
	}
	return b
}

// fromService is the inverse of toService, for Client.
func fromService(si registry.Service) serviceBody {
	b := serviceBody{Service: si.Name, Owner: si.Owner}
	for _, r := range si.Relations {
		o := ownedBody{Name: orName(r.Name, r.Subject), Subject: r.Subject}
		d := depBody{Name: o.Name, Subject: r.Subject, Contract: r.Contract}
		if r.Contract == "" && (r.Pinned || r.Version > 0) {
			d.Version = r.Version
		}
		switch r.Kind {
		case registry.Produces:
			b.Events.Produces = append(b.Events.Produces, o)
		case registry.Consumes:
			b.Events.Consumes = append(b.Events.Consumes, d)
		case registry.Handles:
			b.Commands.Handles = append(b.Commands.Handles, o)
		case registry.Sends:
			b.Commands.Sends = append(b.Commands.Sends, d)
		}
	}
	return b
}

func orName(subject, name string) string {
	if subject == "" {
		return name
	}
	return subject
}

func handlePutService(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := decode[serviceBody](r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		si, err := body.toService(pathVar(r, "name"))
		if err == nil {
			si, err = reg.RegisterService(r.Context(), si, queryBool(r, "force"))
		}
		answer(w, r, log, err, si)
	})
}

func handleGetService(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		si, err := reg.GetService(r.Context(), pathVar(r, "name"))
		answer(w, r, log, err, si)
	})
}

func handleDeleteService(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := pathVar(r, "name")
		if err := reg.DeleteService(r.Context(), name); err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, map[string]string{"deleted": name})
	})
}

// handleContractVersions is GET /v1/services/{name}/contracts/{subject}/versions:
// the history of the service's contracts for the subject.
func handleContractVersions(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cvs, err := reg.ContractVersions(r.Context(), pathVar(r, "name"), pathVar(r, "subject"))
		answer(w, r, log, err, cvs)
	})
}

func handleListServices(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sis, err := reg.Services(r.Context())
		answer(w, r, log, err, nonNil(sis))
	})
}

// handleCheckManifest is POST /v1/check: the dry run of publishing the
// manifest in the body (see serviceBody), answered with the report model
// of `baton check --format json`, each change a whole finding.
func handleCheckManifest(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := decode[serviceBody](r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		m, err := body.toManifest()
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		res, err := reg.CheckManifest(r.Context(), m)
		answer(w, r, log, err, res)
	})
}

// handleImpact is POST /v1/impact {"subject": "..", "schema": ".."}.
func handleImpact(reg registry.Registry, log *slog.Logger) http.Handler {
	type request struct {
		Subject     string  `json:"subject"`
		Schema      *string `json:"schema"`
		Environment string  `json:"environment"` // optional: who breaks as deployed there
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[request](r)
		if err == nil && (req.Schema == nil || req.Subject == "") {
			err = registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, `expected {"subject": "<subject>", "schema": "<the proposed JSON Schema as a string>"}`)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		var rep registry.ImpactReport
		if req.Environment != "" {
			rep, err = reg.ImpactIn(r.Context(), req.Environment, req.Subject, *req.Schema)
		} else {
			rep, err = reg.Impact(r.Context(), req.Subject, *req.Schema)
		}
		answer(w, r, log, err, rep)
	})
}

func handleGraph(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g, err := graphFor(reg, r)
		answer(w, r, log, err, g)
	})
}

// graphFor is the graph GET /v1/graph answers: as deployed in
// ?environment=E when the parameter is given, else of the latest
// registrations.
func graphFor(reg registry.Registry, r *http.Request) (registry.Graph, error) {
	if q := r.URL.Query(); q.Has("environment") {
		return reg.GraphIn(r.Context(), q.Get("environment"))
	}
	return reg.Graph(r.Context())
}
