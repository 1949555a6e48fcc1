package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/web"
)

// addRoutes is the whole HTTP API surface; nothing else registers a route.
func addRoutes(r *mux.Router, reg registry.Registry, opts Options, m *metrics, audit *auditQueue) {
	log := opts.Logger
	get, post, put, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete

	// Subjects and versions.
	r.Handle("/subjects", handleListSubjects(reg, log)).Methods(get)
	r.Handle("/subjects/{subject}", handleLookup(reg, log)).Methods(post)
	r.Handle("/subjects/{subject}", handleDeleteSubject(reg, log)).Methods(del)
	r.Handle("/subjects/{subject}/versions", handleListVersions(reg, log)).Methods(get)
	r.Handle("/subjects/{subject}/versions", timed(m.publish, handlePublish(reg, log))).Methods(post)
	r.Handle("/subjects/{subject}/versions/{version}", handleGetVersion(reg, log)).Methods(get)
	r.Handle("/subjects/{subject}/versions/{version}", handleDeleteVersion(reg, log)).Methods(del)
	r.Handle("/subjects/{subject}/versions/{version}/schema", handleGetVersionSchema(reg, log)).Methods(get)
	r.Handle("/subjects/{subject}/versions/{version}/referencedby", handleReferencedBy(reg, log)).Methods(get)

	// Schemas by global id.
	r.Handle("/schemas/types", handleSchemaTypes()).Methods(get)
	r.Handle("/schemas/ids/{id}", handleSchemaByID(reg, log)).Methods(get)
	r.Handle("/schemas/ids/{id}/schema", handleRawSchemaByID(reg, log)).Methods(get)
	r.Handle("/schemas/ids/{id}/versions", handleVersionsByID(reg, log)).Methods(get)
	r.Handle("/schemas/ids/{id}/subjects", handleSubjectsByID(reg, log)).Methods(get)

	// Compatibility checks: against one version, or every version the mode covers.
	r.Handle("/compatibility/subjects/{subject}/versions/{version}", timed(m.check, handleCheck(reg, log))).Methods(post)
	r.Handle("/compatibility/subjects/{subject}/versions", timed(m.check, handleCheck(reg, log))).Methods(post)

	// Compatibility configuration, global and per subject.
	r.Handle("/config", handleGetConfig(reg, log)).Methods(get)
	r.Handle("/config", handleSetConfig(reg, log)).Methods(put)
	r.Handle("/config", handleDeleteConfig(reg, log)).Methods(del)
	r.Handle("/config/{subject}", handleGetConfig(reg, log)).Methods(get)
	r.Handle("/config/{subject}", handleSetConfig(reg, log)).Methods(put)
	r.Handle("/config/{subject}", handleDeleteConfig(reg, log)).Methods(del)

	// Baton extensions: services from manifests, impact, the graph.
	r.Handle("/v1/services", handleListServices(reg, log)).Methods(get)
	r.Handle("/v1/services/{name}", handlePutService(reg, log)).Methods(put)
	r.Handle("/v1/services/{name}", handleGetService(reg, log)).Methods(get)
	r.Handle("/v1/services/{name}", handleDeleteService(reg, log)).Methods(del)
	r.Handle("/v1/services/{name}/contracts/{subject}/versions", handleContractVersions(reg, log)).Methods(get)
	r.Handle("/v1/impact", timed(m.check, handleImpact(reg, log))).Methods(post)
	r.Handle("/v1/check", timed(m.check, handleCheckManifest(reg, log))).Methods(post)
	r.Handle("/v1/graph", handleGraphFormat(reg, log)).Methods(get).Queries("format", "{format}")
	r.Handle("/v1/graph", handleGraph(reg, log)).Methods(get)
	r.Handle("/v1/audit", handleAudit(reg, audit, log)).Methods(get)
	r.Handle("/v1/subjects/{subject}/diff", handleDiff(reg, log)).Methods(get)
	r.Handle("/v1/subjects/{subject}/relations", handleSubjectRelations(reg, log)).Methods(get)

	// The web UI (registry/web): static files under /ui/.
	r.Handle("/ui", http.RedirectHandler(web.Prefix, http.StatusMovedPermanently)).Methods(get, http.MethodHead)
	r.PathPrefix(web.Prefix).Handler(web.Handler())

	// Operations. Confluent answers GET / with {}; some tools probe it.
	r.Handle("/", handleRoot()).Methods(get)
	r.Handle("/healthz", handleHealthz()).Methods(get)
	r.Handle("/readyz", handleReadyz(opts.Ready, log)).Methods(get)
	r.Handle("/metrics", handleMetrics(opts.Gatherer)).Methods(get)
}
