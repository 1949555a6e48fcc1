package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/auth"
)

// authenticate checks every request to route rt (one that is not open):
// missing or wrong credentials get 401 with a challenge, credentials
// without the needed role or ownership get 403 naming what is missing. It
// never logs or echoes the Authorization header.
func authenticate(a *auth.Authorizer, rt route, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Proxies and servers disagree on which of two Authorization
		// headers counts; taking either would let one party check other
		// credentials than the registry uses.
		if n := len(r.Header.Values("Authorization")); n > 1 {
			writeError(w, r, log, &protocolError{status: http.StatusBadRequest,
				message: fmt.Sprintf("request has %d Authorization headers; send exactly one", n)})
			return
		}
		tok, err := a.Authenticate(r.Header.Get("Authorization"))
		if err != nil {
			w.Header().Add("WWW-Authenticate", `Basic realm="baton", charset="UTF-8"`)
			w.Header().Add("WWW-Authenticate", `Bearer realm="baton"`)
			writeError(w, r, log, err)
			return
		}
		if info := infoOf(r.Context()); info != nil {
			info.who = tok.Name
		}
		req := auth.Request{Access: rt.Access, Method: r.Method, Route: rt.Path}
		if rt.SubjectVar != "" {
			req.Subject = pathVar(r, rt.SubjectVar)
		}
		if rt.ServiceVar != "" {
			req.Service = pathVar(r, rt.ServiceVar)
		}
		if rt.ServiceInBody {
			if req.Service, err = bodyService(r); err != nil {
				writeError(w, r, log, err)
				return
			}
		}
		if rt.Claims && tok.Restricted() {
			if req.Claims, err = claims(r); err != nil {
				writeError(w, r, log, err)
				return
			}
		}
		if err := a.Authorize(r.Context(), tok, req); err != nil {
			writeError(w, r, log, err)
			return
		}
		if tok.Restricted() {
			r = r.WithContext(registry.WithWriter(r.Context(), tok.Services))
		}
		next.ServeHTTP(w, r)
	})
}

// claims reads the subjects a PUT /v1/services body would own, leaving
// the body for the handler. The body is decoded exactly as the handler
// decodes it; a body the handler would refuse claims nothing (and is
// refused by the handler).
func claims(r *http.Request) ([]string, error) {
	body, err := peek[serviceBody](r)
	if err != nil || body == nil {
		return nil, err
	}
	si, err := body.toService(pathVar(r, "name"))
	if err != nil {
		return nil, nil
	}
	var out []string
	for _, rel := range si.Relations {
		if rel.Kind.Owns() {
			out = append(out, rel.Subject)
		}
	}
	return out, nil
}

// splitUserInfo takes user:password@ out of a registry URL, so that it
// is sent as Basic credentials and never appears in error messages.
func splitUserInfo(raw string) (base, user, password string) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw, "", ""
	}
	user = u.User.Username()
	password, _ = u.User.Password()
	u.User = nil
	return u.String(), user, password
}

// authorize adds the client's credentials: the bearer token if set, else
// Basic user:password (what Confluent clients send).
func (c *Client) authorize(req *http.Request) {
	switch {
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	case c.User != "" || c.Password != "":
		req.SetBasicAuth(c.User, c.Password)
	}
}

// peek decodes the JSON body as the handler will, leaving it for the
// handler; a body the handler would refuse gives nil (and is refused by
// the handler).
func peek[T any](r *http.Request) (*T, error) {
	data, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(mbe.Limit)
		}
		return nil, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "cannot read request body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	probe := r.Clone(r.Context())
	probe.Body = io.NopCloser(bytes.NewReader(data))
	v, err := decode[T](probe)
	if err != nil {
		return nil, nil
	}
	return &v, nil
}

// bodyService reads the service a deployment body names, for ownership;
// a body without one names "" (no restricted token owns it, and the
// handler refuses it).
func bodyService(r *http.Request) (string, error) {
	body, err := peek[deploymentBody](r)
	if err != nil || body == nil {
		return "", err
	}
	return body.Service, nil
}
