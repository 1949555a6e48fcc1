package httpapi

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/batonhq/baton/asyncapi"
	"github.com/batonhq/baton/registry"
)

// asyncAPITypes are the Content-Types of an exported AsyncAPI document.
var asyncAPITypes = map[string]string{
	"yaml": "application/yaml; charset=utf-8",
	"json": "application/json",
}

// handleServiceAsyncAPI is GET /v1/services/{name}/asyncapi
// [?version=3.0.0|2.6.0][&format=yaml|json]: the service as an AsyncAPI
// document (issue 17).
func handleServiceAsyncAPI(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		version, format := q.Get("version"), q.Get("format")
		if format == "" {
			format = "yaml"
		}
		// Refuse bad parameters before reading the store.
		if _, err := asyncapi.Export(registry.ServiceExport{}, version, format); err != nil {
			writeError(w, r, log, err)
			return
		}
		se, err := registry.ExportService(r.Context(), reg, pathVar(r, "name"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		doc, err := asyncapi.Export(se, version, format)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		writeDocument(w, asyncAPITypes[format], doc)
	})
}

// handleEstateAsyncAPI is GET /v1/asyncapi[?version=][&format=json|zip]:
// one AsyncAPI document per service, as a JSON object by service name or
// as a zip of <service>.yaml files (what EventCatalog's generator reads).
func handleEstateAsyncAPI(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		version, format := q.Get("version"), q.Get("format")
		if format != "" && format != "json" && format != "zip" {
			writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "format must be json or zip, not %q", format))
			return
		}
		if _, err := asyncapi.Export(registry.ServiceExport{}, version, "json"); err != nil {
			writeError(w, r, log, err)
			return
		}
		all, err := registry.ExportServices(r.Context(), reg)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if format == "zip" {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, se := range all {
				doc, err := asyncapi.Export(se, version, "yaml")
				if err == nil {
					var f interface{ Write([]byte) (int, error) }
					if f, err = zw.Create(se.Service.Name + ".yaml"); err == nil {
						_, err = f.Write(doc)
					}
				}
				if err != nil {
					writeError(w, r, log, err)
					return
				}
			}
			if err := zw.Close(); err != nil {
				writeError(w, r, log, err)
				return
			}
			w.Header().Set("Content-Disposition", `attachment; filename="asyncapi.zip"`)
			writeDocument(w, "application/zip", buf.Bytes())
			return
		}
		out := make(map[string]json.RawMessage, len(all))
		for _, se := range all {
			doc, err := asyncapi.Export(se, version, "json")
			if err != nil {
				writeError(w, r, log, err)
				return
			}
			out[se.Service.Name] = doc
		}
		encode(w, http.StatusOK, out)
	})
}

// writeDocument answers a document that is not the API's JSON.
func writeDocument(w http.ResponseWriter, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// ExportAsyncAPI fetches a service as an AsyncAPI document (GET
// /v1/services/{name}/asyncapi); "" leaves version or format to the server.
func (c *Client) ExportAsyncAPI(ctx context.Context, service, version, format string) ([]byte, error) {
	q := url.Values{}
	if version != "" {
		q.Set("version", version)
	}
	if format != "" {
		q.Set("format", format)
	}
	var out []byte
	err := c.do(ctx, http.MethodGet, "/v1/services/"+esc(service)+"/asyncapi", q, nil, &out)
	return out, err
}

// ExportEstateAsyncAPI fetches every service's AsyncAPI document (GET
// /v1/asyncapi), as JSON by service name.
func (c *Client) ExportEstateAsyncAPI(ctx context.Context, version string) (map[string]json.RawMessage, error) {
	q := url.Values{}
	if version != "" {
		q.Set("version", version)
	}
	out := map[string]json.RawMessage{}
	err := c.do(ctx, http.MethodGet, "/v1/asyncapi", q, nil, &out)
	return out, err
}
