package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/auth"
	"github.com/batonhq/baton/registry/web"
)

// route is one row of the API: the request it answers, the handler that
// answers it, the access it needs, and the path variable that names the
// subject or the service it is about (for ownership and the audit log).
type route struct {
	Method  string   // "" only for a Prefix route: any method
	Path    string   // a gorilla/mux path template
	Prefix  bool     // Path is a prefix (the UI's files)
	Queries []string // query pairs the request must carry, as mux's Queries
	Handler http.Handler
	// Access is what the caller needs with auth on. Its zero value is
	// auth.Open: TestOpenRoutes pins which rows are open.
	Access     auth.Access
	SubjectVar string // the path variable naming the subject, if any
	ServiceVar string // the path variable naming the service, if any
	// ServiceInBody: the service is the "service" field of the JSON body
	// (recording a deployment), for ownership.
	ServiceInBody bool
	// Claims: the body is a service whose owned subjects a restricted
	// token must be allowed to claim (registering a service).
	Claims bool
}

// audited reports whether the route's requests go to the audit log: every
// write, that is every route that is not a GET and needs more than read
// access (dry runs such as lookup, compatibility, check and impact are
// reads).
func (rt route) audited() bool {
	return rt.Method != http.MethodGet && rt.Method != http.MethodHead && rt.Access > auth.Read
}

// routes is the whole HTTP API surface; nothing else registers a handler.
//
// Access decisions: /healthz, /readyz and GET / stay open (probes);
// /metrics and the UI need read access, like every other GET, because they
// show what the registry holds and how it is used.
func routes(reg registry.Registry, opts Options, m *metrics, audit *auditQueue) []route {
	log := opts.Logger
	get, head, post, put, del := http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete
	read, admin := auth.Read, auth.Admin
	const subject, service = "subject", "name"
	return []route{
		// Subjects and versions.
		{Method: get, Path: "/subjects", Handler: handleListSubjects(reg, log), Access: read},
		{Method: post, Path: "/subjects/{subject}", Handler: handleLookup(reg, log), Access: read, SubjectVar: subject}, // lookup: a dry run
		{Method: del, Path: "/subjects/{subject}", Handler: handleDeleteSubject(reg, log), Access: admin, SubjectVar: subject},
		{Method: get, Path: "/subjects/{subject}/versions", Handler: handleListVersions(reg, log), Access: read, SubjectVar: subject},
		{Method: post, Path: "/subjects/{subject}/versions", Handler: timed(m.publish, handlePublish(reg, log)), Access: auth.WriteSubject, SubjectVar: subject},
		{Method: get, Path: "/subjects/{subject}/versions/{version}", Handler: handleGetVersion(reg, log), Access: read, SubjectVar: subject},
		{Method: del, Path: "/subjects/{subject}/versions/{version}", Handler: handleDeleteVersion(reg, log), Access: admin, SubjectVar: subject},
		{Method: get, Path: "/subjects/{subject}/versions/{version}/schema", Handler: handleGetVersionSchema(reg, log), Access: read, SubjectVar: subject},
		{Method: get, Path: "/subjects/{subject}/versions/{version}/referencedby", Handler: handleReferencedBy(reg, log), Access: read, SubjectVar: subject},

		// Schemas by global id.
		{Method: get, Path: "/schemas/types", Handler: handleSchemaTypes(), Access: read},
		{Method: get, Path: "/schemas/ids/{id}", Handler: handleSchemaByID(reg, log), Access: read},
		{Method: get, Path: "/schemas/ids/{id}/schema", Handler: handleRawSchemaByID(reg, log), Access: read},
		{Method: get, Path: "/schemas/ids/{id}/versions", Handler: handleVersionsByID(reg, log), Access: read},
		{Method: get, Path: "/schemas/ids/{id}/subjects", Handler: handleSubjectsByID(reg, log), Access: read},

		// Compatibility checks: against one version, or every version the mode covers.
		{Method: post, Path: "/compatibility/subjects/{subject}/versions/{version}", Handler: timed(m.check, handleCheck(reg, log)), Access: read, SubjectVar: subject},
		{Method: post, Path: "/compatibility/subjects/{subject}/versions", Handler: timed(m.check, handleCheck(reg, log)), Access: read, SubjectVar: subject},

		// Compatibility configuration, global and per subject.
		{Method: get, Path: "/config", Handler: handleGetConfig(reg, log), Access: read},
		{Method: put, Path: "/config", Handler: handleSetConfig(reg, log), Access: admin},
		{Method: del, Path: "/config", Handler: handleDeleteConfig(reg, log), Access: admin},
		{Method: get, Path: "/config/{subject}", Handler: handleGetConfig(reg, log), Access: read, SubjectVar: subject},
		{Method: put, Path: "/config/{subject}", Handler: handleSetConfig(reg, log), Access: auth.WriteSubject, SubjectVar: subject},
		{Method: del, Path: "/config/{subject}", Handler: handleDeleteConfig(reg, log), Access: auth.WriteSubject, SubjectVar: subject},

		// Write modes (READWRITE, READONLY, IMPORT), global and per subject,
		// with the access the matching /config rows need.
		{Method: get, Path: "/mode", Handler: handleGetMode(reg, log), Access: read},
		{Method: put, Path: "/mode", Handler: handleSetMode(reg, log), Access: admin},
		{Method: get, Path: "/mode/{subject}", Handler: handleGetMode(reg, log), Access: read, SubjectVar: subject},
		{Method: put, Path: "/mode/{subject}", Handler: handleSetMode(reg, log), Access: auth.WriteSubject, SubjectVar: subject},
		{Method: del, Path: "/mode/{subject}", Handler: handleDeleteMode(reg, log), Access: auth.WriteSubject, SubjectVar: subject},

		// Baton extensions: services from manifests, their dry run, impact, the graph.
		{Method: get, Path: "/v1/services", Handler: handleListServices(reg, log), Access: read},
		{Method: put, Path: "/v1/services/{name}", Handler: handlePutService(reg, log), Access: auth.WriteService, ServiceVar: service, Claims: true},
		{Method: get, Path: "/v1/services/{name}", Handler: handleGetService(reg, log), Access: read, ServiceVar: service},
		{Method: del, Path: "/v1/services/{name}", Handler: handleDeleteService(reg, log), Access: admin, ServiceVar: service},
		{Method: get, Path: "/v1/services/{name}/contracts/{subject}/versions", Handler: handleContractVersions(reg, log), Access: read, SubjectVar: subject, ServiceVar: service},
		{Method: get, Path: "/v1/services/{name}/asyncapi", Handler: handleServiceAsyncAPI(reg, log), Access: read, ServiceVar: service},
		{Method: get, Path: "/v1/asyncapi", Handler: handleEstateAsyncAPI(reg, log), Access: read},
		{Method: post, Path: "/v1/check", Handler: timed(m.check, handleCheckManifest(reg, log)), Access: read}, // a dry run
		{Method: post, Path: "/v1/impact", Handler: timed(m.check, handleImpact(reg, log)), Access: read},       // a dry run
		{Method: get, Path: "/v1/graph", Queries: []string{"format", "{format}"}, Handler: handleGraphFormat(reg, log), Access: read},
		{Method: get, Path: "/v1/graph", Handler: handleGraph(reg, log), Access: read},

		// Deploy safety: service versions, environments, deployments, can-i-deploy, plan.
		{Method: get, Path: "/v1/services/{name}/versions", Handler: handleListServiceVersions(reg, log), Access: read, ServiceVar: service},
		{Method: get, Path: "/v1/services/{name}/versions/{version}", Handler: handleGetServiceVersion(reg, log), Access: read, ServiceVar: service},
		{Method: put, Path: "/v1/services/{name}/versions/{version}", Handler: handleRecordServiceVersion(reg, log), Access: auth.WriteService, ServiceVar: service},
		{Method: get, Path: "/v1/environments", Handler: handleListEnvironments(reg, log), Access: read},
		{Method: get, Path: "/v1/environments/{env}", Handler: handleGetEnvironment(reg, log), Access: read},
		{Method: put, Path: "/v1/environments/{env}", Handler: handleCreateEnvironment(reg, log), Access: admin},
		{Method: get, Path: "/v1/environments/{env}/deployments", Handler: handleListDeployments(reg, log), Access: read},
		{Method: post, Path: "/v1/environments/{env}/deployments", Handler: handleRecordDeployment(reg, log), Access: auth.WriteService, ServiceInBody: true},
		{Method: del, Path: "/v1/environments/{env}/deployments/{service}", Handler: handleRecordUndeployment(reg, log), Access: auth.WriteService, ServiceVar: "service"},
		{Method: post, Path: "/v1/can-i-deploy", Handler: timed(m.check, handleCanIDeploy(reg, log)), Access: read}, // a dry run
		{Method: post, Path: "/v1/plan", Handler: timed(m.check, handlePlan(reg, log)), Access: read},               // a dry run

		{Method: get, Path: "/v1/audit", Handler: handleAudit(reg, audit, log), Access: admin},
		{Method: get, Path: "/v1/subjects/{subject}/diff", Handler: handleDiff(reg, log), Access: read, SubjectVar: subject},
		{Method: get, Path: "/v1/subjects/{subject}/relations", Handler: handleSubjectRelations(reg, log), Access: read, SubjectVar: subject},

		// The web UI (registry/web): static files under /ui/.
		{Method: get, Path: "/ui", Handler: http.RedirectHandler(web.Prefix, http.StatusMovedPermanently), Access: read},
		{Method: head, Path: "/ui", Handler: http.RedirectHandler(web.Prefix, http.StatusMovedPermanently), Access: read},
		{Path: web.Prefix, Prefix: true, Handler: web.Handler(), Access: read},

		// Operations. Confluent answers GET / with {}; some tools probe it.
		{Method: get, Path: "/", Handler: handleRoot(), Access: auth.Open},
		{Method: get, Path: "/healthz", Handler: handleHealthz(), Access: auth.Open},
		{Method: get, Path: "/readyz", Handler: handleReadyz(opts.Ready, log), Access: auth.Open},
		{Method: get, Path: "/metrics", Handler: handleMetrics(m), Access: read},
	}
}

// addRoutes registers every row on r, each behind its own chain: the
// route is named for logs and metrics, writes are audited (refusals
// included), and with auth on the caller is authenticated and authorized.
func addRoutes(r *mux.Router, rows []route, a *auth.Authorizer, audit *auditQueue, opts Options) {
	for _, rt := range rows {
		// Inside authentication and the audit: a write refused for its
		// size is recorded with who sent it, like any other refusal.
		h := refuseOversize(rt.Handler, opts.MaxBodyBytes, opts.Logger)
		if a != nil && rt.Access != auth.Open {
			h = authenticate(a, rt, opts.Logger, h)
		}
		if audit != nil && rt.audited() {
			h = auditWrites(audit, rt, h) // outside auth: refusals are audited too
		}
		h = recordRoute(rt, h)
		var mr *mux.Route
		if rt.Prefix {
			mr = r.PathPrefix(rt.Path)
		} else {
			mr = r.Path(rt.Path)
		}
		mr.Handler(h)
		if rt.Method != "" {
			mr.Methods(rt.Method)
		}
		if len(rt.Queries) > 0 {
			mr.Queries(rt.Queries...)
		}
	}
}
