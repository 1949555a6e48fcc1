package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/report"
)

// Client is the registry over HTTP: it implements registry.Registry against
// a Baton (or, for the Confluent subset, any Confluent-compatible) server.
// Error answers come back as *registry.Error of the kind the server had, so
// errors.Is(err, registry.ErrNotFound) works the same over HTTP; a server
// that cannot be reached is KindUnavailable.
type Client struct {
	BaseURL string       // e.g. http://127.0.0.1:8081
	HTTP    *http.Client // never http.DefaultClient: NewClient sets timeouts
	Token   string       // sent as "Authorization: Bearer <Token>" when set
	// User and Password are sent as HTTP Basic credentials when Token is
	// empty (NewClient takes them from a URL's user:password@).
	User, Password string
}

var _ registry.Registry = (*Client)(nil)

// ClientOption configures NewClient.
type ClientOption func(*Client)

// WithToken sends token as a bearer token.
func WithToken(token string) ClientOption { return func(c *Client) { c.Token = token } }

// WithHTTPClient replaces the default HTTP client (30 s timeout).
func WithHTTPClient(h *http.Client) ClientOption { return func(c *Client) { c.HTTP = h } }

// NewClient returns a client for the registry at baseURL.
func NewClient(baseURL string, opts ...ClientOption) *Client {
	c := &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: newHTTPClient()}
	c.BaseURL, c.User, c.Password = splitUserInfo(c.BaseURL)
	for _, o := range opts {
		o(c)
	}
	return c
}

func newHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:          64,
			MaxIdleConnsPerHost:   64,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 20 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
	}
}

// schemaBody is what publish, lookup and check send. SchemaType is always
// sent ("JSON" when the request leaves it empty): a registry reads a
// missing one as AVRO.
type schemaBody struct {
	Schema     string               `json:"schema"`
	SchemaType string               `json:"schemaType"`
	References []registry.Reference `json:"references,omitempty"`
	ID         int64                `json:"id,omitempty"`
	Version    int                  `json:"version,omitempty"`
}

func newSchemaBody(schema, typ string, refs []registry.Reference) schemaBody {
	return schemaBody{Schema: schema, SchemaType: schemaType(typ), References: refs}
}

func (c *Client) Publish(ctx context.Context, req registry.PublishRequest) (registry.SubjectVersion, error) {
	var resp struct {
		ID      int64              `json:"id"`
		Version int                `json:"version"`
		Forced  *registry.Override `json:"forced"`
	}
	q := url.Values{}
	if req.Force {
		q.Set("force", "true")
	}
	body := newSchemaBody(req.Schema, req.SchemaType, req.References)
	body.ID, body.Version = req.ID, req.Version
	if err := c.do(ctx, http.MethodPost, "/subjects/"+esc(req.Subject)+"/versions", q, body, &resp); err != nil {
		return registry.SubjectVersion{}, err
	}
	if resp.Version == 0 {
		// A Confluent server answers only the id: ask which version it is.
		return c.Lookup(ctx, req, false)
	}
	return registry.SubjectVersion{
		Version: registry.Version{Subject: req.Subject, Version: resp.Version, SchemaID: resp.ID},
		Schema:  registry.Schema{ID: resp.ID, Type: schemaType(req.SchemaType), Text: req.Schema, References: req.References},
		Forced:  resp.Forced,
	}, nil
}

func (c *Client) Lookup(ctx context.Context, req registry.PublishRequest, deleted bool) (registry.SubjectVersion, error) {
	var resp subjectVersionResponse
	if err := c.do(ctx, http.MethodPost, "/subjects/"+esc(req.Subject), boolQuery("deleted", deleted), newSchemaBody(req.Schema, req.SchemaType, req.References), &resp); err != nil {
		return registry.SubjectVersion{}, err
	}
	return fromSubjectVersion(resp), nil
}

func (c *Client) Check(ctx context.Context, req registry.CheckRequest) (compat.Report, error) {
	var resp struct {
		IsCompatible bool             `json:"is_compatible"`
		Findings     []compat.Finding `json:"findings"`
	}
	path := "/compatibility/subjects/" + esc(req.Subject) + "/versions"
	if req.Version != "" {
		path += "/" + esc(req.Version)
	}
	if err := c.do(ctx, http.MethodPost, path, url.Values{"verbose": {"true"}}, newSchemaBody(req.Schema, req.SchemaType, req.References), &resp); err != nil {
		return compat.Report{}, err
	}
	return compat.Report{Compatible: resp.IsCompatible, Findings: nonNil(resp.Findings)}, nil
}

func (c *Client) Subjects(ctx context.Context, deleted bool) ([]string, error) {
	var out []string
	err := c.do(ctx, http.MethodGet, "/subjects", boolQuery("deleted", deleted), nil, &out)
	return out, err
}

func (c *Client) Versions(ctx context.Context, subject string, deleted bool) ([]int, error) {
	var out []int
	err := c.do(ctx, http.MethodGet, "/subjects/"+esc(subject)+"/versions", boolQuery("deleted", deleted), nil, &out)
	return out, err
}

func (c *Client) GetVersion(ctx context.Context, subject, version string, deleted bool) (registry.SubjectVersion, error) {
	var resp subjectVersionResponse
	if err := c.do(ctx, http.MethodGet, "/subjects/"+esc(subject)+"/versions/"+esc(version), boolQuery("deleted", deleted), nil, &resp); err != nil {
		return registry.SubjectVersion{}, err
	}
	return fromSubjectVersion(resp), nil
}

func (c *Client) SchemaByID(ctx context.Context, id int64) (registry.Schema, error) {
	var resp struct {
		Schema     string               `json:"schema"`
		SchemaType string               `json:"schemaType"`
		References []registry.Reference `json:"references"`
	}
	if err := c.do(ctx, http.MethodGet, "/schemas/ids/"+strconv.FormatInt(id, 10), nil, nil, &resp); err != nil {
		return registry.Schema{}, err
	}
	return registry.Schema{ID: id, Type: answeredType(resp.SchemaType), Text: resp.Schema, References: resp.References}, nil
}

func (c *Client) VersionsByID(ctx context.Context, id int64) ([]registry.Version, error) {
	var resp []struct {
		Subject string `json:"subject"`
		Version int    `json:"version"`
	}
	if err := c.do(ctx, http.MethodGet, "/schemas/ids/"+strconv.FormatInt(id, 10)+"/versions", nil, nil, &resp); err != nil {
		return nil, err
	}
	out := make([]registry.Version, len(resp))
	for i, v := range resp {
		out[i] = registry.Version{Subject: v.Subject, Version: v.Version, SchemaID: id}
	}
	return out, nil
}

func (c *Client) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	var out []int
	err := c.do(ctx, http.MethodDelete, "/subjects/"+esc(subject), boolQuery("permanent", permanent), nil, &out)
	return out, err
}

func (c *Client) DeleteVersion(ctx context.Context, subject, version string, permanent bool) (int, error) {
	var out int
	err := c.do(ctx, http.MethodDelete, "/subjects/"+esc(subject)+"/versions/"+esc(version), boolQuery("permanent", permanent), nil, &out)
	return out, err
}

func (c *Client) ReferencedBy(ctx context.Context, subject, version string) ([]int64, error) {
	var out []int64
	err := c.do(ctx, http.MethodGet, "/subjects/"+esc(subject)+"/versions/"+esc(version)+"/referencedby", nil, nil, &out)
	return out, err
}

func (c *Client) GetConfig(ctx context.Context, subject string, defaultToGlobal bool) (registry.Config, error) {
	var resp configResponse
	if err := c.do(ctx, http.MethodGet, configPath(subject), boolQuery("defaultToGlobal", defaultToGlobal), nil, &resp); err != nil {
		return registry.Config{}, err
	}
	return fromConfigResponse(resp.CompatibilityLevel, resp.CompatibilityPolicy), nil
}

func (c *Client) SetConfig(ctx context.Context, subject string, cfg registry.Config) (registry.Config, error) {
	req := struct {
		Compatibility       compat.Mode `json:"compatibility"`
		CompatibilityPolicy string      `json:"compatibilityPolicy"`
	}{cfg.Mode, strings.ToUpper(cfg.Policy.String())}
	var resp struct {
		Compatibility       compat.Mode `json:"compatibility"`
		CompatibilityPolicy string      `json:"compatibilityPolicy"`
	}
	if err := c.do(ctx, http.MethodPut, configPath(subject), nil, req, &resp); err != nil {
		return registry.Config{}, err
	}
	return fromConfigResponse(resp.Compatibility, resp.CompatibilityPolicy), nil
}

func (c *Client) DeleteConfig(ctx context.Context, subject string) (registry.Config, error) {
	var resp configResponse
	if err := c.do(ctx, http.MethodDelete, configPath(subject), nil, nil, &resp); err != nil {
		return registry.Config{}, err
	}
	return fromConfigResponse(resp.CompatibilityLevel, resp.CompatibilityPolicy), nil
}

func (c *Client) GetMode(ctx context.Context, subject string, defaultToGlobal bool) (registry.Mode, error) {
	var resp modeBody
	err := c.do(ctx, http.MethodGet, modePath(subject), boolQuery("defaultToGlobal", defaultToGlobal), nil, &resp)
	return resp.Mode, err
}

func (c *Client) SetMode(ctx context.Context, subject string, m registry.Mode, force bool) (registry.Mode, error) {
	var resp modeBody
	err := c.do(ctx, http.MethodPut, modePath(subject), boolQuery("force", force), modeBody{m}, &resp)
	return resp.Mode, err
}

func (c *Client) DeleteMode(ctx context.Context, subject string) (registry.Mode, error) {
	var resp modeBody
	err := c.do(ctx, http.MethodDelete, modePath(subject), nil, nil, &resp)
	return resp.Mode, err
}

func modePath(subject string) string {
	if subject == "" {
		return "/mode"
	}
	return "/mode/" + esc(subject)
}

func configPath(subject string) string {
	if subject == "" {
		return "/config"
	}
	return "/config/" + esc(subject)
}

func fromConfigResponse(mode compat.Mode, policy string) registry.Config {
	p, _ := compat.ParsePolicy(policy) // a server without the extension: strict
	return registry.Config{Mode: mode, Policy: p}
}

func fromSubjectVersion(r subjectVersionResponse) registry.SubjectVersion {
	return registry.SubjectVersion{
		Version: registry.Version{Subject: r.Subject, Version: r.Version, SchemaID: r.ID, Deleted: r.Deleted},
		Schema:  registry.Schema{ID: r.ID, Type: answeredType(r.SchemaType), Text: r.Schema, References: r.References},
	}
}

// answeredType reads the schemaType of a server's answer. Baton always
// sends it; Confluent leaves it out for AVRO, its default, so an answer
// without one is AVRO (what `baton import` must not take for JSON).
func answeredType(t string) string {
	if t == "" {
		return "AVRO"
	}
	return t
}

func esc(s string) string { return url.PathEscape(s) }

func boolQuery(name string, v bool) url.Values {
	if !v {
		return nil
	}
	return url.Values{name: {"true"}}
}

// maxAnswerBytes bounds what the client reads from a server.
const maxAnswerBytes = 64 << 20

// do sends one request and decodes a 2xx answer into out, or turns an
// error answer into a *registry.Error.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u := c.BaseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return &registry.Error{Kind: registry.KindInternal, Message: "cannot encode request", Err: err}
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "invalid registry URL %q: %v", c.BaseURL, err)
	}
	req.Header.Set("Accept", contentType+", application/json")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	c.authorize(req)
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTPClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return &registry.Error{Kind: registry.KindUnavailable, Code: registry.CodeStoreError,
				Message: fmt.Sprintf("registry request to %s cancelled: %v", c.BaseURL, ctxErr), Err: err}
		}
		return &registry.Error{Kind: registry.KindUnavailable, Code: registry.CodeStoreError,
			Message: fmt.Sprintf("registry unreachable at %s: %v", c.BaseURL, rootCause(err)), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return &registry.Error{Kind: registry.KindUnavailable, Code: registry.CodeStoreError,
			Message: fmt.Sprintf("registry at %s broke off its answer: %v", c.BaseURL, err), Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return answerError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if raw, ok := out.(*[]byte); ok { // a document, not a JSON answer
		*raw = data
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &registry.Error{Kind: registry.KindInternal, Message: fmt.Sprintf("unexpected answer from %s %s", method, path), Err: err}
	}
	return nil
}

var defaultHTTPClient = newHTTPClient()

// answerError rebuilds the server's *registry.Error from an error answer.
// An incompatible one always has Findings and Impacted lists (maybe empty).
func answerError(status int, data []byte) error {
	var body errorBody
	if err := json.Unmarshal(data, &body); err != nil || (body.ErrorCode == 0 && body.Message == "") {
		msg := strings.TrimSpace(string(data))
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		if msg == "" {
			msg = http.StatusText(status)
		}
		return &registry.Error{Kind: kindOf(status, 0), Code: status, Message: fmt.Sprintf("registry answered %d: %s", status, msg)}
	}
	e := &registry.Error{
		Kind:     kindOf(status, body.ErrorCode),
		Code:     body.ErrorCode,
		Message:  body.Message,
		Findings: body.Findings,
		Impacted: body.Impacted,
	}
	if e.Kind == registry.KindIncompatible { // lists, never null, whatever the server sent
		e.Findings, e.Impacted = nonNil(e.Findings), nonNil(e.Impacted)
	}
	return e
}

// rootCause strips url.Error's "Get \"http://...\":" prefix, which repeats
// what the message already says.
func rootCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (c *Client) RegisterService(ctx context.Context, si registry.Service, force bool) (registry.Service, error) {
	var out registry.Service
	err := c.do(ctx, http.MethodPut, "/v1/services/"+esc(si.Name), boolQuery("force", force), fromService(si), &out)
	return out, err
}

func (c *Client) GetService(ctx context.Context, name string) (registry.Service, error) {
	var out registry.Service
	err := c.do(ctx, http.MethodGet, "/v1/services/"+esc(name), nil, nil, &out)
	return out, err
}

func (c *Client) Services(ctx context.Context) ([]registry.Service, error) {
	var out []registry.Service
	err := c.do(ctx, http.MethodGet, "/v1/services", nil, nil, &out)
	return out, err
}

func (c *Client) ContractVersions(ctx context.Context, service, subject string) ([]registry.ContractVersion, error) {
	out := []registry.ContractVersion{}
	err := c.do(ctx, http.MethodGet, "/v1/services/"+esc(service)+"/contracts/"+esc(subject)+"/versions", nil, nil, &out)
	return out, err
}

func (c *Client) DeleteService(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/v1/services/"+esc(name), nil, nil, nil)
}

// CheckManifest implements registry.Registry: POST /v1/check. The answer
// carries no schema texts; the items get them back from m by file name.
func (c *Client) CheckManifest(ctx context.Context, m registry.ManifestCheck) (report.Result, error) {
	var out report.Result
	if err := c.do(ctx, http.MethodPost, "/v1/check", nil, fromManifest(m), &out); err != nil {
		return report.Result{}, err
	}
	out.Command = "check"
	texts := map[string]string{}
	for _, r := range m.Relations {
		if r.File != "" {
			texts[r.File] = cmp.Or(r.Schema, r.Contract)
		}
	}
	for i, it := range out.Items {
		if text, ok := texts[it.SchemaFile]; ok {
			out.Items[i].Schema = []byte(text)
		}
	}
	return out, nil
}

func (c *Client) Impact(ctx context.Context, subject, schema string) (registry.ImpactReport, error) {
	var out registry.ImpactReport
	err := c.do(ctx, http.MethodPost, "/v1/impact", nil, map[string]string{"subject": subject, "schema": schema}, &out)
	return out, err
}

func (c *Client) Graph(ctx context.Context) (registry.Graph, error) {
	var out registry.Graph
	err := c.do(ctx, http.MethodGet, "/v1/graph", nil, nil, &out)
	return out, err
}

func (c *Client) GraphIn(ctx context.Context, env string) (registry.Graph, error) {
	var out registry.Graph
	err := c.do(ctx, http.MethodGet, "/v1/graph", url.Values{"environment": {env}}, nil, &out)
	return out, err
}

// --- deploy safety (registry.Deployer) ---

func (c *Client) RecordServiceVersion(ctx context.Context, req registry.RecordVersionRequest) (registry.ServiceVersion, error) {
	var out registry.ServiceVersion
	err := c.do(ctx, http.MethodPut, "/v1/services/"+esc(req.Service)+"/versions/"+esc(req.Version), nil, req, &out)
	return out, err
}

func (c *Client) ListServiceVersions(ctx context.Context, service string) ([]registry.ServiceVersion, error) {
	var out []registry.ServiceVersion
	err := c.do(ctx, http.MethodGet, "/v1/services/"+esc(service)+"/versions", nil, nil, &out)
	return out, err
}

func (c *Client) GetServiceVersion(ctx context.Context, service, version string) (registry.ServiceVersion, error) {
	var out registry.ServiceVersion
	err := c.do(ctx, http.MethodGet, "/v1/services/"+esc(service)+"/versions/"+esc(version), nil, nil, &out)
	return out, err
}

func (c *Client) CreateEnvironment(ctx context.Context, name string) (registry.Environment, error) {
	var out registry.Environment
	err := c.do(ctx, http.MethodPut, "/v1/environments/"+esc(name), nil, nil, &out)
	return out, err
}

func (c *Client) GetEnvironment(ctx context.Context, name string) (registry.Environment, error) {
	var out registry.Environment
	err := c.do(ctx, http.MethodGet, "/v1/environments/"+esc(name), nil, nil, &out)
	return out, err
}

func (c *Client) ListEnvironments(ctx context.Context) ([]registry.Environment, error) {
	var out []registry.Environment
	err := c.do(ctx, http.MethodGet, "/v1/environments", nil, nil, &out)
	return out, err
}

func (c *Client) RecordDeployment(ctx context.Context, env string, ref registry.ServiceRef, keep bool) (registry.Deployment, error) {
	var out registry.Deployment
	err := c.do(ctx, http.MethodPost, "/v1/environments/"+esc(env)+"/deployments", nil, deploymentBody{ref.Service, ref.Version, keep}, &out)
	return out, err
}

func (c *Client) RecordUndeployment(ctx context.Context, env, service, version string) ([]registry.Deployment, error) {
	var out []registry.Deployment
	q := url.Values{}
	if version != "" {
		q.Set("version", version)
	}
	err := c.do(ctx, http.MethodDelete, "/v1/environments/"+esc(env)+"/deployments/"+esc(service), q, nil, &out)
	return out, err
}

func (c *Client) ListDeployments(ctx context.Context, env string) ([]registry.Deployment, error) {
	var out []registry.Deployment
	err := c.do(ctx, http.MethodGet, "/v1/environments/"+esc(env)+"/deployments", nil, nil, &out)
	return out, err
}

func (c *Client) CanIDeploy(ctx context.Context, env string, refs []registry.ServiceRef) (registry.DeployReport, error) {
	var out registry.DeployReport
	err := c.do(ctx, http.MethodPost, "/v1/can-i-deploy", nil, deployRequest{env, refs}, &out)
	return out, err
}

func (c *Client) Plan(ctx context.Context, env string, refs []registry.ServiceRef) (registry.DeployPlan, error) {
	var out registry.DeployPlan
	err := c.do(ctx, http.MethodPost, "/v1/plan", nil, deployRequest{env, refs}, &out)
	return out, err
}

func (c *Client) ImpactIn(ctx context.Context, env, subject, schema string) (registry.ImpactReport, error) {
	var out registry.ImpactReport
	body := map[string]string{"environment": env, "subject": subject, "schema": schema}
	err := c.do(ctx, http.MethodPost, "/v1/impact", nil, body, &out)
	return out, err
}
