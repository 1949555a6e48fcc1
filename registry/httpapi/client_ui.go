package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
)

// The registry.Explorer views over HTTP (see ui.go).

func (c *Client) Diff(ctx context.Context, subject, from, to string, mode compat.Mode) (registry.DiffReport, error) {
	q := url.Values{"from": {from}, "to": {to}}
	if mode != "" {
		q.Set("mode", string(mode))
	}
	var out registry.DiffReport
	if err := c.do(ctx, http.MethodGet, "/v1/subjects/"+esc(subject)+"/diff", q, nil, &out); err != nil {
		return registry.DiffReport{}, err
	}
	out.Findings = nonNil(out.Findings)
	return out, nil
}

func (c *Client) SubjectRelations(ctx context.Context, subject string) ([]registry.ServiceRelation, error) {
	var out []registry.ServiceRelation
	if err := c.do(ctx, http.MethodGet, "/v1/subjects/"+esc(subject)+"/relations", nil, nil, &out); err != nil {
		return nil, err
	}
	return nonNil(out), nil
}
