package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/auth"
	"github.com/batonhq/baton/registry/httpapi"
)

// Tokens of the auth tests: name -> role line of the token file.
var testTokens = []struct{ name, role, services string }{
	{"reader", "read", ""},
	{"writer", "write", ""},
	{"admin", "admin", ""},
	{"ci-order", "write", "[order]"},
	{"ci-payment", "write", "[payment]"},
}

func secretOf(name string) string { return "s3cret-" + name + "-0123456789abcdef" }

// tokenFile is testTokens as a token file.
func tokenFile(t *testing.T) []auth.Token {
	t.Helper()
	var b strings.Builder
	b.WriteString("tokens:\n")
	for _, tk := range testTokens {
		h, err := auth.HashSecret(secretOf(tk.name))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "  - name: %s\n    role: %s\n    hash: %s\n", tk.name, tk.role, h)
		if tk.services != "" {
			fmt.Fprintf(&b, "    services: %s\n", tk.services)
		}
	}
	toks, err := auth.Parse("tokens.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

// serviceOwners asks a Service that exists only once the harness is
// built (the harness creates it after taking the options).
type serviceOwners struct{ svc *registry.Registrar }

func (o *serviceOwners) SubjectOwners(ctx context.Context, subject string) ([]string, bool, error) {
	return o.svc.SubjectOwners(ctx, subject)
}

// newAuthHarness is a real server with auth on (testTokens), ownership
// read from its real Service on bbolt.
func newAuthHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	owners := &serviceOwners{}
	toks := tokenFile(t)
	h := newHarness(t, append([]harnessOption{func(o *httpapi.Options) { o.Auth = auth.New(toks, owners) }}, opts...)...)
	owners.svc = h.svc
	return h
}

func bearer(name string) []string { return []string{"Authorization", "Bearer " + secretOf(name)} }

func basic(name string) []string {
	return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(name+":"+secretOf(name)))}
}

const (
	orderService   = `{"events":{"produces":[{"name":"OrderPlaced"}]}}`
	paymentService = `{"events":{"produces":[{"name":"PaymentCompleted"}],"consumes":[{"name":"OrderPlaced","contract":"{\"type\":\"object\"}"}]}}`
)

// seed registers order (owns OrderPlaced) and payment (owns
// PaymentCompleted, consumes OrderPlaced) with their first versions, as an
// admin.
func seed(h *harness) {
	h.t.Helper()
	admin := bearer("admin")
	for _, step := range []struct{ method, path, body string }{
		{"PUT", "/v1/services/order", orderService},
		{"PUT", "/v1/services/payment", paymentService},
		{"POST", "/subjects/OrderPlaced/versions", schemaBody(schemaV1)},
		{"POST", "/subjects/PaymentCompleted/versions", schemaBody(schemaV1)},
	} {
		if r := h.do(step.method, step.path, step.body, admin...); r.Status != 200 {
			h.t.Fatalf("seed %s %s: %d %s", step.method, step.path, r.Status, r.Body)
		}
	}
}

// TestRolesTable: every role (and no or bad credentials) against one
// operation of every route class, through the real HTTP stack, with Basic
// and Bearer credentials alike.
func TestRolesTable(t *testing.T) {
	t.Parallel()
	h := newAuthHarness(t)
	seed(h)
	type op struct {
		name, method, path, body string
		class                    string // open, read, write, admin
		adminStatus              int    // what an allowed admin gets (0: 200)
	}
	ops := []op{
		{"healthz", "GET", "/healthz", "", "open", 0},
		{"readyz", "GET", "/readyz", "", "open", 0},
		{"list subjects", "GET", "/subjects", "", "read", 0},
		{"get version", "GET", "/subjects/OrderPlaced/versions/latest", "", "read", 0},
		{"schema by id", "GET", "/schemas/ids/1", "", "read", 0},
		{"get config", "GET", "/config", "", "read", 0},
		{"services", "GET", "/v1/services", "", "read", 0},
		{"graph", "GET", "/v1/graph", "", "read", 0},
		{"service asyncapi", "GET", "/v1/services/order/asyncapi", "", "read", 0},
		{"estate asyncapi", "GET", "/v1/asyncapi?format=zip", "", "read", 0},
		{"metrics", "GET", "/metrics", "", "read", 0},
		{"lookup (dry run)", "POST", "/subjects/OrderPlaced", schemaBody(schemaV1), "read", 0},
		{"compatibility (dry run)", "POST", "/compatibility/subjects/OrderPlaced/versions/latest", schemaBody(schemaWidened), "read", 0},
		{"impact (dry run)", "POST", "/v1/impact", `{"subject":"OrderPlaced","schema":"{\"type\":\"object\"}"}`, "read", 0},
		{"publish", "POST", "/subjects/Scratch/versions", schemaBody(schemaV1), "write", 0},
		{"subject config", "PUT", "/config/Scratch", `{"compatibility":"FULL"}`, "write", 0},
		{"register service", "PUT", "/v1/services/scratch", `{"events":{"produces":[{"name":"Scratch"}]}}`, "write", 0},
		{"global config", "PUT", "/config", `{"compatibility":"BACKWARD"}`, "admin", 0},
		{"delete subject", "DELETE", "/subjects/Nothing", "", "admin", 404},
		{"delete version", "DELETE", "/subjects/Nothing/versions/1", "", "admin", 404},
		{"delete service", "DELETE", "/v1/services/ghost", "", "admin", 404},
		{"audit log", "GET", "/v1/audit", "", "admin", 0},
	}
	rank := map[string]int{"open": 0, "read": 1, "write": 2, "admin": 3}
	callers := []struct {
		name    string
		rank    int // -1: not authenticated
		headers []string
	}{
		{"none", -1, nil},
		{"bad bearer", -1, []string{"Authorization", "Bearer not-a-known-secret-0123456789"}},
		{"bad basic", -1, []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:wrong-secret-0123456789"))}},
		{"garbage", -1, []string{"Authorization", "Token %%%"}},
		{"read bearer", 1, bearer("reader")},
		{"read basic", 1, basic("reader")},
		{"write bearer", 2, bearer("writer")},
		{"write basic", 2, basic("writer")},
		{"admin bearer", 3, bearer("admin")},
		{"admin basic", 3, basic("admin")},
	}
	for _, c := range callers {
		for _, o := range ops {
			t.Run(c.name+"/"+o.name, func(t *testing.T) {
				r := h.do(o.method, o.path, o.body, c.headers...)
				need := rank[o.class]
				switch {
				case need == 0 || c.rank >= need:
					want := 200
					if c.rank == 3 && o.adminStatus != 0 {
						want = o.adminStatus
					}
					if r.Status != want {
						t.Errorf("%s %s as %s: %d, want %d: %s", o.method, o.path, c.name, r.Status, want, r.Body)
					}
				case c.rank < 0:
					wantError(t, r, 401, 40101)
					if got := r.Header.Values("WWW-Authenticate"); len(got) != 2 || !strings.HasPrefix(got[0], `Basic realm="baton"`) || !strings.HasPrefix(got[1], "Bearer") {
						t.Errorf("WWW-Authenticate = %q, want Basic and Bearer challenges", got)
					}
				default:
					msg := wantError(t, r, 403, 40301)
					if !strings.Contains(msg, "needs the "+o.class+" role") {
						t.Errorf("403 message %q does not name the missing %s role", msg, o.class)
					}
				}
			})
		}
	}
}

// TestOwnership: a team's token writes its own messages and services only.
func TestOwnership(t *testing.T) {
	t.Parallel()
	h := newAuthHarness(t)
	seed(h)
	pay := basic("ci-payment")
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		msg                      string // part of the 403 message
	}{
		{"publish another team's event", "POST", "/subjects/OrderPlaced/versions", schemaBody(schemaWidened), 403, "owned by service order"},
		{"publish own event", "POST", "/subjects/PaymentCompleted/versions", schemaBody(schemaWidened), 200, ""},
		{"register another team's service", "PUT", "/v1/services/order", orderService, 403, "not service order"},
		{"claim another team's event", "PUT", "/v1/services/payment", `{"events":{"produces":[{"name":"PaymentCompleted"},{"name":"OrderPlaced"}]}}`, 403, "register service payment as the owner of OrderPlaced: it is owned by service order"},
		{"re-register own service", "PUT", "/v1/services/payment", paymentService, 200, ""},
		{"config of own subject", "PUT", "/config/PaymentCompleted", `{"compatibility":"FULL"}`, 200, ""},
		{"config of another team's subject", "PUT", "/config/OrderPlaced", `{"compatibility":"NONE"}`, 403, "owned by service order"},
		{"publish a subject nobody owns", "POST", "/subjects/RefundIssued/versions", schemaBody(schemaV1), 403, "register the service that produces or handles it first"},
		{"claim it by registering", "PUT", "/v1/services/payment", `{"events":{"produces":[{"name":"PaymentCompleted"},{"name":"RefundIssued"}]}}`, 200, ""},
		{"then publish it", "POST", "/subjects/RefundIssued/versions", schemaBody(schemaV1), 200, ""},
		{"order cannot publish the claimed subject", "POST", "/subjects/RefundIssued/versions", schemaBody(schemaWidened), 403, "owned by service payment"},
		{"delete is admin only", "DELETE", "/subjects/PaymentCompleted", "", 403, "needs the admin role"},
	} {
		headers := pay
		if strings.HasPrefix(tc.name, "order ") {
			headers = bearer("ci-order")
		}
		r := h.do(tc.method, tc.path, tc.body, headers...)
		if tc.status == 200 {
			if r.Status != 200 {
				t.Errorf("%s: %d %s, want 200", tc.name, r.Status, r.Body)
			}
			continue
		}
		if msg := wantError(t, r, 403, 40301); !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: message %q, want it to contain %q", tc.name, msg, tc.msg)
		}
	}
	// A subject with versions but no owner (published by an unrestricted
	// token) cannot be taken over by a restricted one.
	if r := h.do("POST", "/subjects/Legacy/versions", schemaBody(schemaV1), bearer("writer")...); r.Status != 200 {
		t.Fatalf("unrestricted publish: %d %s", r.Status, r.Body)
	}
	r := h.do("PUT", "/v1/services/payment", `{"events":{"produces":[{"name":"Legacy"}]}}`, pay...)
	if msg := wantError(t, r, 403, 40301); !strings.Contains(msg, "already has versions but no registered owner") {
		t.Errorf("claiming Legacy: %q", msg)
	}
	// Nothing refused was written: OrderPlaced still has one version.
	if r := h.do("GET", "/subjects/OrderPlaced/versions", "", bearer("reader")...); string(r.Body) != "[1]\n" {
		t.Errorf("OrderPlaced versions after refused publishes: %s", r.Body)
	}
}

// oversizeBody is a publish body over the default 4 MiB limit.
var oversizeBody = schemaBody(`{"description":"` + strings.Repeat("x", 5<<20) + `"}`)

// auditPage reads the audit log as admin.
func auditPage(h *harness, query string) []registry.AuditEntry {
	h.t.Helper()
	r := h.do("GET", "/v1/audit"+query, "", bearer("admin")...)
	if r.Status != 200 {
		h.t.Fatalf("GET /v1/audit%s: %d %s", query, r.Status, r.Body)
	}
	var out []registry.AuditEntry
	if err := json.Unmarshal(r.Body, &out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// TestAuditEntries: writes are recorded with who, what, when and result,
// refusals and failures included; reads and dry runs are not.
func TestAuditEntries(t *testing.T) {
	t.Parallel()
	h := newAuthHarness(t)
	seed(h)
	before := auditPage(h, "")
	if len(before) != 4 {
		t.Fatalf("%d entries after seeding 4 writes: %+v", len(before), before)
	}
	last := before[len(before)-1].ID
	steps := []struct {
		method, path, body string
		headers            []string
	}{
		{"GET", "/subjects", "", bearer("reader")},                                                  // read: not audited
		{"POST", "/subjects/OrderPlaced", schemaBody(schemaV1), bearer("reader")},                   // dry run: not audited
		{"POST", "/subjects/OrderPlaced/versions", schemaBody(schemaWidened), nil},                  // 401
		{"POST", "/subjects/OrderPlaced/versions", schemaBody(schemaWidened), basic("ci-payment")},  // 403
		{"POST", "/subjects/OrderPlaced/versions", schemaBody(schemaRequiredA), bearer("ci-order")}, // 409
		{"POST", "/subjects/OrderPlaced/versions?force=true", schemaBody(schemaWidened), bearer("ci-order")},
		{"DELETE", "/subjects/OrderPlaced/versions/2", "", bearer("admin")},
		{"PUT", "/v1/services/payment", paymentService, basic("ci-payment")},
		// Over the body limit, by Content-Length and chunked (issue 14 #9).
		{"POST", "/subjects/OrderPlaced/versions", oversizeBody, bearer("ci-order")},
		{"PUT", "/v1/services/payment", oversizeBody, append(basic("ci-payment"), "Transfer-Encoding", "chunked")},
	}
	for _, s := range steps {
		h.do(s.method, s.path, s.body, s.headers...)
	}
	got := auditPage(h, fmt.Sprintf("?after=%d", last))
	type row struct {
		Who, Method, Route, Subject, Service string
		Version                              int
		Force                                bool
		Status, ErrorCode                    int
	}
	var rows []row
	for _, e := range got {
		rows = append(rows, row{e.Who, e.Method, e.Route, e.Subject, e.Service, e.Version, e.Force, e.Status, e.ErrorCode})
		if e.Time.IsZero() || e.RequestID == "" || e.ID <= last {
			t.Errorf("entry without time, request id or a fresh id: %+v", e)
		}
	}
	pub := "/subjects/{subject}/versions"
	want := []row{
		{"anonymous", "POST", pub, "OrderPlaced", "", 0, false, 401, 40101},
		{"ci-payment", "POST", pub, "OrderPlaced", "", 0, false, 403, 40301},
		{"ci-order", "POST", pub, "OrderPlaced", "", 0, false, 409, 409},
		{"ci-order", "POST", pub, "OrderPlaced", "", 2, true, 200, 0},
		{"admin", "DELETE", "/subjects/{subject}/versions/{version}", "OrderPlaced", "", 2, false, 200, 0},
		{"ci-payment", "PUT", "/v1/services/{name}", "", "payment", 0, false, 200, 0},
		{"ci-order", "POST", pub, "OrderPlaced", "", 0, false, 413, registry.CodeRequestTooLarge},
		{"ci-payment", "PUT", "/v1/services/{name}", "", "payment", 0, false, 413, registry.CodeRequestTooLarge},
	}
	// Entries are stored off the request path by concurrent goroutines, so
	// their ids follow commit order, not answer order: compare as a set.
	byFields := func(a, b row) bool { return fmt.Sprint(a) < fmt.Sprint(b) }
	if d := cmp.Diff(want, rows, cmpopts.SortSlices(byFields)); d != "" {
		t.Errorf("audit entries (-want +got):\n%s", d)
	}
	for _, e := range got {
		switch {
		case e.Status == 200 && e.Force && e.SchemaID == 0:
			t.Errorf("forced publish entry has no schema id: %+v", e)
		case e.Status == 403 && !strings.Contains(e.Message, "owned by service order"):
			t.Errorf("403 entry message %q", e.Message)
		}
	}
	// Paging: limit 2 from the start returns the two oldest.
	if page := auditPage(h, "?limit=2"); len(page) != 2 || page[0].ID != before[0].ID {
		t.Errorf("?limit=2: %+v", page)
	}
	for _, bad := range []string{"?limit=0", "?limit=1001", "?after=-1", "?after=x"} {
		wantError(t, h.do("GET", "/v1/audit"+bad, "", bearer("admin")...), 422, 42200)
	}
}

// TestSecretsNeverLogged: after requests with good, wrong and malformed
// credentials, no secret, no Authorization value and no
// Basic blob appears in the log.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	h := newAuthHarness(t)
	seed(h)
	wrong := "Bearer wrong-secret-that-must-not-be-logged"
	for _, headers := range [][]string{
		bearer("admin"), basic("ci-payment"), basic("reader"), {"Authorization", wrong},
		{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:guess-that-must-not-be-logged"))},
	} {
		h.do("POST", "/subjects/OrderPlaced/versions", schemaBody(schemaWidened), headers...)
		h.do("GET", "/subjects", "", headers...)
	}
	h.do("GET", "/nowhere", "", bearer("admin")...)
	logs := h.logs.String()
	if !strings.Contains(logs, `"route":"/subjects/{subject}/versions"`) {
		t.Fatalf("the access log was not captured: %s", logs)
	}
	leaks := []string{"must-not-be-logged", "Authorization", "authorization", "Bearer", "Basic "}
	for _, tk := range testTokens {
		leaks = append(leaks, secretOf(tk.name), base64.StdEncoding.EncodeToString([]byte(tk.name+":"+secretOf(tk.name))))
	}
	for _, s := range leaks {
		if strings.Contains(logs, s) {
			t.Errorf("log contains %q", s)
		}
	}
}

// failingAudit is an audit store that is down.
type failingAudit struct{}

func (failingAudit) AppendAudit(context.Context, registry.AuditEntry) (registry.AuditEntry, error) {
	return registry.AuditEntry{}, registry.Unavailable("append audit entry", errors.New("disk full"))
}

// TestAuditFailureKeepsTheWrite: a publish whose audit entry cannot be
// stored is still acknowledged and stored; the failure is logged.
func TestAuditFailureKeepsTheWrite(t *testing.T) {
	t.Parallel()
	h := newAuthHarness(t, func(o *httpapi.Options) { o.Audit = failingAudit{} })
	seed(h)
	if r := h.do("GET", "/subjects/PaymentCompleted/versions", "", bearer("reader")...); r.Status != 200 || string(r.Body) != "[1]\n" {
		t.Fatalf("publish with a failing audit log not stored: %d %s", r.Status, r.Body)
	}
	if logs := h.logs.String(); !strings.Contains(logs, `"msg":"audit entry not stored"`) || !strings.Contains(logs, "disk full") {
		t.Errorf("audit failure not logged: %s", logs)
	}
}

// TestAuthOffByDefault: without Options.Auth everything is open and
// writes are audited as anonymous.
func TestAuthOffByDefault(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.publish("Open", schemaV1)
	r := h.do("GET", "/v1/audit", "")
	var es []registry.AuditEntry
	if err := json.Unmarshal(r.Body, &es); err != nil || len(es) != 1 || es[0].Who != "anonymous" || es[0].Version != 1 || es[0].SchemaID == 0 {
		t.Fatalf("audit without auth: %d %s (%v)", r.Status, r.Body, err)
	}
}

// TestClientCredentials: the Client sends a bearer token, or Basic
// credentials from the URL (never echoed in its errors), and 401/403 come
// back as the matching kinds with the server's message.
func TestClientCredentials(t *testing.T) {
	t.Parallel()
	h := newAuthHarness(t)
	seed(h)
	ctx := context.Background()
	u, _ := url.Parse(h.URL)
	withUser := func(name, secret string) string {
		v := *u
		v.User = url.UserPassword(name, secret)
		return v.String()
	}
	for _, tc := range []struct {
		name string
		c    *httpapi.Client
		want error
		msg  string // the server's message
	}{
		{"bearer", httpapi.NewClient(h.URL, httpapi.WithToken(secretOf("reader"))), nil, ""},
		{"basic from URL", httpapi.NewClient(withUser("reader", secretOf("reader"))), nil, ""},
		{"none", httpapi.NewClient(h.URL), registry.ErrUnauthorized, "authentication required"},
		{"wrong basic", httpapi.NewClient(withUser("reader", "wrong-password-0123456789")), registry.ErrUnauthorized, "invalid credentials"},
	} {
		_, err := tc.c.Subjects(ctx, false)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "wrong-password") || !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("%s: error %q leaks the password or is not the server's message", tc.name, err)
		}
	}
	c := httpapi.NewClient(withUser("ci-payment", secretOf("ci-payment")))
	_, err := c.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: schemaWidened})
	if !errors.Is(err, registry.ErrForbidden) || !strings.Contains(err.Error(), "owned by service order") {
		t.Errorf("publish of another team's subject: %v", err)
	}
	admin := httpapi.NewClient(h.URL, httpapi.WithToken(secretOf("admin")))
	es, err := admin.Audit(ctx, registry.AuditQuery{After: 2, Limit: 1})
	if err != nil || len(es) != 1 || es[0].ID != 3 {
		t.Errorf("Client.Audit after 2, limit 1: %+v, %v", es, err)
	}
}

// panickyPublish's Publish panics after the request was authorized.
type panickyPublish struct{ registry.Registry }

func (panickyPublish) Publish(context.Context, registry.PublishRequest) (registry.SubjectVersion, error) {
	panic("boom")
}

// serviceAudit forwards to a Service that exists once the harness is built.
type serviceAudit struct{ svc *registry.Registrar }

func (a *serviceAudit) AppendAudit(ctx context.Context, e registry.AuditEntry) (registry.AuditEntry, error) {
	return a.svc.AppendAudit(ctx, e)
}

// TestAuditPanickingWrite: a write whose handler panics is answered 500
// and still recorded, as a 500.
func TestAuditPanickingWrite(t *testing.T) {
	t.Parallel()
	sink := &serviceAudit{}
	h := newHarnessWith(t, func(r registry.Registry) registry.Registry { return panickyPublish{r} },
		func(o *httpapi.Options) { o.Audit = sink })
	sink.svc = h.svc
	wantError(t, h.do("POST", "/subjects/x/versions", schemaBody(schemaV1)), 500, 500)
	if err := h.api.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	es, err := h.svc.Audit(context.Background(), registry.AuditQuery{})
	if err != nil || len(es) != 1 || es[0].Status != 500 || es[0].ErrorCode != 500 || es[0].Subject != "x" {
		t.Fatalf("audit after a panicking publish: %+v, %v", es, err)
	}
	if h.do("GET", "/healthz", "").Status != 200 {
		t.Error("server unhealthy after the panic")
	}
}

// TestTwoAuthorizationHeaders: a request with two Authorization headers
// is refused (400) whichever comes first, not served with the first one
// (issue 14 #12).
func TestTwoAuthorizationHeaders(t *testing.T) {
	t.Parallel()
	h := newAuthHarness(t)
	for _, headers := range [][]string{
		append(bearer("reader"), bearer("admin")...),
		append(bearer("admin"), "Authorization", "Bearer wrong"),
		append(basic("ci-order"), basic("ci-order")...),
	} {
		r := h.do("DELETE", "/subjects/OrderPlaced", "", headers...)
		if msg := wantError(t, r, 400, 400); !strings.Contains(msg, "2 Authorization headers; send exactly one") {
			t.Errorf("message %q", msg)
		}
	}
	wantError(t, h.do("GET", "/subjects", "", append(bearer("reader"), bearer("reader")...)...), 400, 400)
}

// TestConcurrentClaimsOverHTTP: the tokens of two teams register, at the
// same time, their service as the owner of one unowned message; through
// the authorizer and the store's atomic claim check exactly one wins and
// the other gets 403 (issue 14 #1; the 200-trial race on every store is
// storetest's ConcurrentClaimsOneOwner).
func TestConcurrentClaimsOverHTTP(t *testing.T) {
	t.Parallel()
	h := newAuthHarness(t)
	for i := range 25 {
		subject := fmt.Sprintf("Claimed%02d", i)
		body := `{"events":{"produces":[{"name":"` + subject + `"}]}}`
		teams := []struct {
			service string
			token   []string
		}{{"order", bearer("ci-order")}, {"payment", basic("ci-payment")}}
		status := make([]int, len(teams))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for j, team := range teams {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				status[j] = h.do("PUT", "/v1/services/"+team.service, body, team.token...).Status
			}()
		}
		close(start)
		wg.Wait()
		var rels []registry.ServiceRelation
		r := h.do("GET", "/v1/subjects/"+subject+"/relations", "", bearer("reader")...)
		if err := json.Unmarshal(r.Body, &rels); err != nil {
			t.Fatalf("relations of %s: %v %s", subject, err, r.Body)
		}
		if won := fmt.Sprint(status); len(rels) != 1 || won != "[200 403]" && won != "[403 200]" {
			t.Errorf("trial %d: statuses %v, owners %+v; want one 200, one 403, one owner", i, status, rels)
		}
	}
}
