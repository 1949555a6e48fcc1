package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/batonhq/baton/registry"
)

// Deploy safety (issue #16): service versions, environments, deployments,
// can-i-deploy and plan.

// deploymentBody is POST /v1/environments/{env}/deployments.
type deploymentBody struct {
	Service string `json:"service"`
	Version string `json:"version"`
	Keep    bool   `json:"keep"`
}

// deployRequest is the body of POST /v1/can-i-deploy and /v1/plan.
type deployRequest struct {
	Environment string                `json:"environment"`
	Services    []registry.ServiceRef `json:"services"`
}

func handleListServiceVersions(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := reg.ListServiceVersions(r.Context(), pathVar(r, "name"))
		answer(w, r, log, err, out)
	})
}

func handleGetServiceVersion(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := reg.GetServiceVersion(r.Context(), pathVar(r, "name"), pathVar(r, "version"))
		answer(w, r, log, err, out)
	})
}

// handleRecordServiceVersion is PUT /v1/services/{name}/versions/{version}
// {"branch", "subjects": {subject: version}, "force"}: what `baton publish
// --version` records after publishing (an empty body is allowed).
func handleRecordServiceVersion(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req registry.RecordVersionRequest
		if r.ContentLength != 0 {
			var err error
			if req, err = decode[registry.RecordVersionRequest](r); err != nil {
				writeError(w, r, log, err)
				return
			}
		}
		req.Service, req.Version = pathVar(r, "name"), pathVar(r, "version")
		req.Force = req.Force || queryBool(r, "force")
		out, err := reg.RecordServiceVersion(r.Context(), req)
		answer(w, r, log, err, out)
	})
}

func handleListEnvironments(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := reg.ListEnvironments(r.Context())
		answer(w, r, log, err, out)
	})
}

func handleGetEnvironment(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := reg.GetEnvironment(r.Context(), pathVar(r, "env"))
		answer(w, r, log, err, out)
	})
}

func handleCreateEnvironment(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := reg.CreateEnvironment(r.Context(), pathVar(r, "env"))
		answer(w, r, log, err, out)
	})
}

func handleListDeployments(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := reg.ListDeployments(r.Context(), pathVar(r, "env"))
		answer(w, r, log, err, out)
	})
}

func handleRecordDeployment(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := decode[deploymentBody](r)
		if err == nil && (body.Service == "" || body.Version == "") {
			err = registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, `expected {"service": "<name>", "version": "<version>", "keep": false}: /service and /version are required`)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out, err := reg.RecordDeployment(r.Context(), pathVar(r, "env"), registry.ServiceRef{Service: body.Service, Version: body.Version}, body.Keep)
		answer(w, r, log, err, out)
	})
}

func handleRecordUndeployment(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := reg.RecordUndeployment(r.Context(), pathVar(r, "env"), pathVar(r, "service"), r.URL.Query().Get("version"))
		answer(w, r, log, err, out)
	})
}

func decodeDeployRequest(r *http.Request) (deployRequest, error) {
	req, err := decode[deployRequest](r)
	if err == nil && req.Environment == "" {
		err = registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, `expected {"environment": "<env>", "services": [{"service": "<name>", "version": "<version>"}]}: /environment is required`)
	}
	return req, err
}

func handleCanIDeploy(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decodeDeployRequest(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out, err := reg.CanIDeploy(r.Context(), req.Environment, req.Services)
		answer(w, r, log, err, out)
	})
}

func handlePlan(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decodeDeployRequest(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out, err := reg.Plan(r.Context(), req.Environment, req.Services)
		answer(w, r, log, err, out)
	})
}
