package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

func TestPublishAndReadBack(t *testing.T) {
	h := newHarness(t)
	r := h.do("POST", "/subjects/orders-value/versions", schemaBody(schemaV1, "schemaType", `"JSON"`))
	wantJSON(t, r, 200, `{"id":1,"version":1}`)
	// Re-publishing the same schema returns the existing id and version.
	wantJSON(t, h.do("POST", "/subjects/orders-value/versions", schemaBody(schemaV1)), 200, `{"id":1,"version":1}`)
	// The same schema under another subject keeps its global id.
	wantJSON(t, h.do("POST", "/subjects/payments-value/versions", schemaBody(schemaV1)), 200, `{"id":1,"version":1}`)

	wantJSON(t, h.do("GET", "/subjects", ""), 200, `["orders-value","payments-value"]`)
	wantJSON(t, h.do("GET", "/subjects/orders-value/versions", ""), 200, `[1]`)
	v1 := fmt.Sprintf(`{"subject":"orders-value","version":1,"id":1,"schemaType":"JSON","schema":%q}`, schemaV1)
	wantJSON(t, h.do("GET", "/subjects/orders-value/versions/1", ""), 200, v1)
	wantJSON(t, h.do("GET", "/subjects/orders-value/versions/latest", ""), 200, v1)
	wantJSON(t, h.do("GET", "/subjects/orders-value/versions/-1", ""), 200, v1)

	raw := h.do("GET", "/subjects/orders-value/versions/1/schema", "")
	if raw.Status != 200 || string(raw.Body) != schemaV1 {
		t.Errorf("raw schema by version: %d %s", raw.Status, raw.Body)
	}
	wantJSON(t, h.do("GET", "/schemas/ids/1", ""), 200, fmt.Sprintf(`{"schema":%q,"schemaType":"JSON"}`, schemaV1))
	wantJSON(t, h.do("GET", "/schemas/ids/1?subject=orders-value", ""), 200, fmt.Sprintf(`{"schema":%q,"schemaType":"JSON"}`, schemaV1))
	raw = h.do("GET", "/schemas/ids/1/schema", "")
	if raw.Status != 200 || string(raw.Body) != schemaV1 {
		t.Errorf("raw schema by id: %d %s", raw.Status, raw.Body)
	}
	wantJSON(t, h.do("GET", "/schemas/ids/1/versions", ""), 200,
		`[{"subject":"orders-value","version":1},{"subject":"payments-value","version":1}]`)
	wantJSON(t, h.do("GET", "/schemas/ids/1/subjects", ""), 200, `["orders-value","payments-value"]`)
	wantJSON(t, h.do("GET", "/schemas/types", ""), 200, `["JSON"]`)
	wantJSON(t, h.do("GET", "/", ""), 200, `{}`)
}

func TestSubjectWithSlashAndEscapes(t *testing.T) {
	h := newHarness(t)
	h.publish("team%2Forders", schemaV1)
	wantJSON(t, h.do("GET", "/subjects", ""), 200, `["team/orders"]`)
	wantJSON(t, h.do("GET", "/subjects/team%2Forders/versions", ""), 200, `[1]`)
}

func TestLookup(t *testing.T) {
	h := newHarness(t)
	h.publish("orders-value", schemaV1)
	// Formatting does not matter: lookup goes by canonical fingerprint.
	spaced := "{ \"properties\": {\"a\": {\"type\": \"string\"}},\n \"type\": \"object\" }"
	wantJSON(t, h.do("POST", "/subjects/orders-value", schemaBody(spaced)), 200,
		fmt.Sprintf(`{"subject":"orders-value","version":1,"id":1,"schemaType":"JSON","schema":%q}`, schemaV1))
	wantError(t, h.do("POST", "/subjects/orders-value", schemaBody(schemaWidened)), 404, registry.CodeSchemaNotFound)
	wantError(t, h.do("POST", "/subjects/nobody", schemaBody(schemaV1)), 404, registry.CodeSubjectNotFound)
}

func TestDeletes(t *testing.T) {
	h := newHarness(t)
	h.do("PUT", "/config/s", `{"compatibility":"NONE"}`)
	h.publish("s", schemaV1)
	h.publish("s", schemaRequiredA)
	h.publish("s", schemaWidened)

	// A hard delete needs a soft delete first (Confluent 40407 / 40405).
	wantError(t, h.do("DELETE", "/subjects/s/versions/2?permanent=true", ""), 404, registry.CodeVersionNotSoftDeleted)
	wantJSON(t, h.do("DELETE", "/subjects/s/versions/2", ""), 200, `2`)
	wantJSON(t, h.do("GET", "/subjects/s/versions", ""), 200, `[1,3]`)
	wantJSON(t, h.do("GET", "/subjects/s/versions?deleted=true", ""), 200, `[1,2,3]`)
	wantError(t, h.do("GET", "/subjects/s/versions/2", ""), 404, registry.CodeVersionNotFound)
	r := h.do("GET", "/subjects/s/versions/2?deleted=true", "")
	wantJSON(t, r, 200, fmt.Sprintf(`{"subject":"s","version":2,"id":2,"schemaType":"JSON","schema":%q,"deleted":true}`, schemaRequiredA))
	wantJSON(t, h.do("DELETE", "/subjects/s/versions/2?permanent=true", ""), 200, `2`)
	wantJSON(t, h.do("GET", "/subjects/s/versions?deleted=true", ""), 200, `[1,3]`)
	// The schema id stays bound to its schema after its last version went.
	wantJSON(t, h.do("GET", "/schemas/ids/2", ""), 200, fmt.Sprintf(`{"schema":%q,"schemaType":"JSON"}`, schemaRequiredA))

	wantError(t, h.do("DELETE", "/subjects/s?permanent=true", ""), 404, registry.CodeSubjectNotSoftDeleted)
	wantJSON(t, h.do("DELETE", "/subjects/s", ""), 200, `[1,3]`)
	wantJSON(t, h.do("GET", "/subjects", ""), 200, `[]`)
	wantJSON(t, h.do("GET", "/subjects?deleted=true", ""), 200, `["s"]`)
	wantError(t, h.do("GET", "/subjects/s/versions", ""), 404, registry.CodeSubjectNotFound)
	wantJSON(t, h.do("DELETE", "/subjects/s?permanent=true", ""), 200, `[1,3]`)
	wantJSON(t, h.do("GET", "/subjects?deleted=true", ""), 200, `[]`)
	wantError(t, h.do("DELETE", "/subjects/s", ""), 404, registry.CodeSubjectNotFound)

	// Ids are never reused: a new schema gets the next one.
	if id := h.publish("s", `{"type":"string"}`); id != 4 {
		t.Errorf("new schema after deletes got id %d, want 4", id)
	}
}

func TestReferences(t *testing.T) {
	h := newHarness(t)
	address := `{"type":"object","properties":{"street":{"type":"string"}}}`
	addrID := h.publish("Address", address)
	customer := `{"type":"object","properties":{"address":{"$ref":"address.json"}}}`
	refs := `[{"name":"address.json","subject":"Address","version":1}]`
	custID := h.publish("Customer", customer, "references", refs)

	wantJSON(t, h.do("GET", "/subjects/Customer/versions/1", ""), 200,
		fmt.Sprintf(`{"subject":"Customer","version":1,"id":%d,"schemaType":"JSON","references":%s,"schema":%q}`, custID, refs, customer))
	wantJSON(t, h.do("GET", fmt.Sprintf("/schemas/ids/%d", custID), ""), 200,
		fmt.Sprintf(`{"schema":%q,"schemaType":"JSON","references":%s}`, customer, refs))
	wantJSON(t, h.do("GET", "/subjects/Address/versions/1/referencedby", ""), 200, fmt.Sprintf(`[%d]`, custID))
	wantJSON(t, h.do("GET", "/subjects/Customer/versions/1/referencedby", ""), 200, `[]`)
	// A referenced version cannot be deleted (Confluent answers 422 42206).
	wantError(t, h.do("DELETE", "/subjects/Address/versions/1", ""), 422, registry.CodeReferenceExists)
	// A reference to nothing registered is refused.
	wantError(t, h.do("POST", "/subjects/Broken/versions", schemaBody(customer, "references",
		`[{"name":"address.json","subject":"Address","version":7}]`)), 422, registry.CodeInvalidSchema)
	_ = addrID
}

func TestConfig(t *testing.T) {
	h := newHarness(t)
	wantJSON(t, h.do("GET", "/config", ""), 200, `{"compatibilityLevel":"BACKWARD","compatibilityPolicy":"STRICT"}`)
	wantJSON(t, h.do("PUT", "/config", `{"compatibility":"FULL"}`), 200, `{"compatibility":"FULL"}`)
	wantJSON(t, h.do("GET", "/config", ""), 200, `{"compatibilityLevel":"FULL","compatibilityPolicy":"STRICT"}`)

	wantError(t, h.do("GET", "/config/orders", ""), 404, registry.CodeSubjectConfigNotFound)
	wantJSON(t, h.do("GET", "/config/orders?defaultToGlobal=true", ""), 200, `{"compatibilityLevel":"FULL","compatibilityPolicy":"STRICT"}`)
	wantJSON(t, h.do("PUT", "/config/orders", `{"compatibility":"forward_transitive","compatibilityPolicy":"LENIENT"}`), 200,
		`{"compatibility":"FORWARD_TRANSITIVE","compatibilityPolicy":"LENIENT"}`)
	wantJSON(t, h.do("GET", "/config/orders", ""), 200, `{"compatibilityLevel":"FORWARD_TRANSITIVE","compatibilityPolicy":"LENIENT"}`)
	// Newer Confluent clients send compatibilityLevel.
	wantJSON(t, h.do("PUT", "/config/orders", `{"compatibilityLevel":"NONE"}`), 200, `{"compatibility":"NONE"}`)
	wantJSON(t, h.do("DELETE", "/config/orders", ""), 200, `{"compatibilityLevel":"NONE","compatibilityPolicy":"STRICT"}`)
	wantError(t, h.do("DELETE", "/config/orders", ""), 404, registry.CodeSubjectConfigNotFound)
	wantJSON(t, h.do("DELETE", "/config", ""), 200, `{"compatibilityLevel":"FULL","compatibilityPolicy":"STRICT"}`)
	wantJSON(t, h.do("GET", "/config", ""), 200, `{"compatibilityLevel":"BACKWARD","compatibilityPolicy":"STRICT"}`)

	msg := wantError(t, h.do("PUT", "/config", `{"compatibility":"SIDEWAYS"}`), 422, registry.CodeInvalidCompatibility)
	if !strings.Contains(msg, "SIDEWAYS") || !strings.Contains(msg, "FULL_TRANSITIVE") {
		t.Errorf("message should name the bad level and the valid ones: %s", msg)
	}
	wantError(t, h.do("PUT", "/config", `{}`), 422, registry.CodeInvalidCompatibility)
	wantError(t, h.do("PUT", "/config/x", `{"compatibility":"FULL","compatibilityPolicy":"LAX"}`), 422, registry.CodeInvalidCompatibility)
}

func TestCompatibilityEndpoint(t *testing.T) {
	h := newHarness(t)
	h.publish("orders", schemaV1)
	same := schemaBody(schemaV1)
	wantJSON(t, h.do("POST", "/compatibility/subjects/orders/versions/latest", same), 200, `{"is_compatible":true}`)
	wantJSON(t, h.do("POST", "/compatibility/subjects/orders/versions/1?verbose=true", same), 200,
		`{"is_compatible":true,"messages":[],"findings":[]}`)
	wantJSON(t, h.do("POST", "/compatibility/subjects/orders/versions", same), 200, `{"is_compatible":true}`)

	// Unknown subject or version with an explicit version; bad version.
	wantError(t, h.do("POST", "/compatibility/subjects/nobody/versions/latest", same), 404, registry.CodeSubjectNotFound)
	wantError(t, h.do("POST", "/compatibility/subjects/orders/versions/9", same), 404, registry.CodeVersionNotFound)
	wantError(t, h.do("POST", "/compatibility/subjects/orders/versions/first", same), 422, registry.CodeInvalidVersion)
	// Nothing registered yet: anything is compatible with no history.
	wantJSON(t, h.do("POST", "/compatibility/subjects/nobody/versions", same), 200, `{"is_compatible":true}`)
}

// These verdicts need the real compatibility engine.
func TestCompatibilityVerdicts(t *testing.T) {
	h := newHarness(t)
	h.publish("orders", schemaV1)
	wantJSON(t, h.do("POST", "/compatibility/subjects/orders/versions/latest", schemaBody(schemaWidened)), 200, `{"is_compatible":true}`)

	r := h.do("POST", "/compatibility/subjects/orders/versions/latest?verbose=true", schemaBody(schemaRequiredA))
	var out struct {
		IsCompatible bool     `json:"is_compatible"`
		Messages     []string `json:"messages"`
		Findings     []struct {
			Rule     string          `json:"rule"`
			Path     string          `json:"path"`
			Breaking bool            `json:"breaking"`
			Message  string          `json:"message"`
			Example  json.RawMessage `json:"example"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil || r.Status != 200 {
		t.Fatalf("%d %s (%v)", r.Status, r.Body, err)
	}
	if out.IsCompatible || len(out.Findings) == 0 || len(out.Messages) != len(out.Findings) {
		t.Fatalf("want incompatible with findings and one message each: %s", r.Body)
	}
	f := out.Findings[0]
	if f.Rule != "required-property-added" || !f.Breaking || f.Message == "" || len(f.Example) == 0 {
		t.Errorf("finding %+v, want breaking required-property-added with a message and an example", f)
	}
	if !strings.Contains(out.Messages[0], "required-property-added") {
		t.Errorf("message %q does not name the rule", out.Messages[0])
	}
}

func TestIncompatiblePublishIs409WithFindings(t *testing.T) {
	h := newHarness(t)
	h.publish("orders", schemaV1)
	r := h.do("POST", "/subjects/orders/versions", schemaBody(schemaRequiredA))
	msg := wantError(t, r, 409, registry.CodeIncompatible)
	var out struct {
		Findings []struct {
			Rule    string          `json:"rule"`
			Example json.RawMessage `json:"example"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil || len(out.Findings) == 0 {
		t.Fatalf("409 without findings: %s", r.Body)
	}
	if !strings.Contains(msg, out.Findings[0].Rule) {
		t.Errorf("message %q does not list the finding %q", msg, out.Findings[0].Rule)
	}
	wantJSON(t, h.do("GET", "/subjects/orders/versions", ""), 200, `[1]`) // nothing stored
	if out.Findings[0].Rule != "required-property-added" || len(out.Findings[0].Example) == 0 {
		t.Errorf("want required-property-added with a witness: %s", r.Body)
	}
	// A compatible change is accepted.
	wantJSON(t, h.do("POST", "/subjects/orders/versions", schemaBody(schemaWidened)), 200, `{"id":2,"version":2}`)
}

func TestErrorCodes(t *testing.T) {
	h := newHarness(t, func(o *httpapi.Options) { o.MaxBodyBytes = 4096 })
	h.publish("orders", schemaV1)
	big := schemaBody(`{"description":"` + strings.Repeat("x", 5000) + `"}`)
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status, code             int
		msg                      string // regexp the message must match
	}{
		{"subject not found", "GET", "/subjects/nope/versions", "", nil, 404, 40401, `nope`},
		{"subject not found for version", "GET", "/subjects/nope/versions/1", "", nil, 404, 40401, `nope`},
		{"version not found", "GET", "/subjects/orders/versions/7", "", nil, 404, 40402, `7`},
		{"schema not found", "GET", "/schemas/ids/999", "", nil, 404, 40403, `999`},
		{"schema id not a number", "GET", "/schemas/ids/abc", "", nil, 404, 40403, `abc`},
		{"raw schema not found", "GET", "/schemas/ids/999/schema", "", nil, 404, 40403, `999`},
		{"versions of unknown id", "GET", "/schemas/ids/999/versions", "", nil, 404, 40403, `999`},
		{"subjects of unknown id", "GET", "/schemas/ids/999/subjects", "", nil, 404, 40403, `999`},
		{"invalid version", "GET", "/subjects/orders/versions/first", "", nil, 422, 42202, `first`},
		{"version zero", "GET", "/subjects/orders/versions/0", "", nil, 422, 42202, `"0"`},
		{"invalid version on delete", "DELETE", "/subjects/orders/versions/x", "", nil, 422, 42202, `x`},
		{"invalid compatibility level", "PUT", "/config/orders", `{"compatibility":"MAYBE"}`, nil, 422, 42203, `MAYBE`},
		{"malformed JSON body", "POST", "/subjects/orders/versions", "{\n  \"schema\": \"{}\",\n  oops\n}", nil, 422, 42201, `line 3, column 3`},
		{"schema field has the wrong type", "POST", "/subjects/orders/versions", `{"schema": {"type":"string"}}`, nil, 422, 42201, `"schema" must be a string`},
		{"missing schema field", "POST", "/subjects/orders/versions", `{"schemaType":"JSON"}`, nil, 422, 42201, `no "schema" field`},
		{"empty body", "POST", "/subjects/orders/versions", ` `, nil, 422, 42201, `empty`},
		{"schema text is not JSON", "POST", "/subjects/orders/versions", schemaBody(`{"type": "object",`), nil, 422, 42201, `.`},
		{"invalid JSON Schema", "POST", "/subjects/orders/versions", schemaBody(`{"type": 12}`), nil, 422, 42201, `type`},
		{"file $ref refused", "POST", "/subjects/orders/versions", schemaBody(`{"$ref":"file:///etc/passwd"}`), nil, 422, 42201, `.`},
		{"AVRO refused", "POST", "/subjects/orders/versions", schemaBody(`{"type":"record","name":"x","fields":[]}`, "schemaType", `"AVRO"`), nil, 422, 42201, `AVRO`},
		{"PROTOBUF refused on check", "POST", "/compatibility/subjects/orders/versions/latest", schemaBody(`syntax = "proto3";`, "schemaType", `"PROTOBUF"`), nil, 422, 42201, `PROTOBUF`},
		{"unsupported content type", "POST", "/subjects/orders/versions", schemaBody(schemaV1), []string{"Content-Type", "text/plain"}, 415, 415, `text/plain.*application/json`},
		{"form content type", "PUT", "/config", `compatibility=FULL`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, 415, `Content-Type`},
		{"body too large", "POST", "/subjects/orders/versions", big, nil, 413, registry.CodeRequestTooLarge, `4096 bytes`},
		{"body too large, chunked", "POST", "/subjects/orders/versions", big, []string{"Transfer-Encoding", "chunked"}, 413, registry.CodeRequestTooLarge, `4096 bytes`},
		{"no such endpoint", "GET", "/nothing/here", "", nil, 404, 404, `/nothing/here`},
		{"wrong method", "PATCH", "/subjects", "", nil, 405, 405, `PATCH`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(c.method, c.path, c.body, c.headers...)
			msg := wantError(t, r, c.status, c.code)
			if !regexp.MustCompile(c.msg).MatchString(msg) {
				t.Errorf("message %q does not match %q", msg, c.msg)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/vnd.schemaregistry.v1+json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	// Nothing was stored by any of the failed requests.
	wantJSON(t, h.do("GET", "/subjects/orders/versions", ""), 200, `[1]`)
	wantJSON(t, h.do("GET", "/subjects", ""), 200, `["orders"]`)
}

func TestAcceptedContentTypes(t *testing.T) {
	h := newHarness(t)
	for i, ct := range []string{"application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json",
		"application/json", "application/json; charset=utf-8", ""} {
		schema := fmt.Sprintf(`{"type":"object","title":"t%d"}`, i)
		r := h.do("POST", fmt.Sprintf("/subjects/s%d/versions", i), schemaBody(schema), "Content-Type", ct)
		if r.Status != 200 {
			t.Errorf("Content-Type %q: %d %s", ct, r.Status, r.Body)
		}
	}
}

func TestStoreUnavailableIs503(t *testing.T) {
	h := newHarness(t)
	h.publish("orders", schemaV1)
	h.store.down.Store(true)
	for _, req := range [][3]string{
		{"GET", "/subjects", ""},
		{"GET", "/subjects/orders/versions/latest", ""},
		{"GET", "/schemas/ids/1/versions", ""},
		{"POST", "/subjects/orders/versions", schemaBody(schemaWidened)},
		{"POST", "/compatibility/subjects/orders/versions/latest", schemaBody(schemaV1)},
		{"GET", "/config", ""},
		{"GET", "/readyz", ""},
	} {
		r := h.do(req[0], req[1], req[2])
		msg := wantError(t, r, 503, registry.CodeStoreError)
		if strings.Contains(msg, "6379") || strings.Contains(msg, "refused") {
			t.Errorf("%s %s: the cause leaked to the client: %s", req[0], req[1], msg)
		}
	}
	if !strings.Contains(h.logs.String(), "connection refused") {
		t.Errorf("the cause of the 503 was not logged:\n%s", h.logs.String())
	}
	// Recovery needs no restart.
	h.store.down.Store(false)
	wantJSON(t, h.do("GET", "/readyz", ""), 200, `{"status":"ready"}`)
	wantJSON(t, h.do("GET", "/subjects", ""), 200, `["orders"]`)
}

func TestMiddleware(t *testing.T) {
	h := newHarnessWith(t, func(r registry.Registry) registry.Registry { return panickyRegistry{r} })

	wantJSON(t, h.do("GET", "/healthz", ""), 200, `{"status":"ok"}`)
	wantJSON(t, h.do("GET", "/readyz", ""), 200, `{"status":"ready"}`)

	// Request ids: echoed when given, made up otherwise, and logged.
	r := h.do("GET", "/healthz", "", "X-Request-Id", "abc-123")
	if got := r.Header.Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("X-Request-Id %q, want abc-123", got)
	}
	r1, r2 := h.do("GET", "/healthz", ""), h.do("GET", "/healthz", "")
	id1, id2 := r1.Header.Get("X-Request-Id"), r2.Header.Get("X-Request-Id")
	if id1 == "" || id1 == id2 {
		t.Errorf("generated request ids %q, %q: want distinct, non-empty", id1, id2)
	}

	// A panic becomes a generic 500; the detail is logged, not sent.
	r = h.do("GET", "/subjects", "", "X-Request-Id", "panic-1")
	msg := wantError(t, r, 500, 500)
	if strings.Contains(msg, "secret") {
		t.Errorf("panic detail leaked: %s", msg)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "secret internal detail") {
		t.Errorf("panic not logged:\n%s", logs)
	}

	// Access log: method, route template, status, duration and request id.
	h.do("GET", "/subjects/x/versions", "", "X-Request-Id", "log-me")
	var line map[string]any
	for l := range strings.SplitSeq(h.logs.String(), "\n") {
		if strings.Contains(l, `"request_id":"log-me"`) && strings.Contains(l, `"msg":"request"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line["method"] != "GET" || line["route"] != "/subjects/{subject}/versions" || line["status"] != float64(404) || line["duration_ms"] == nil {
		t.Errorf("access log line %v", line)
	}

	// Metrics: requests by route template and code, publish and check latency.
	h.do("BREW", "/subjects", "")
	h.publish("orders", schemaV1)
	h.do("POST", "/compatibility/subjects/orders/versions/latest", schemaBody(schemaV1))
	m := h.do("GET", "/metrics", "")
	for _, want := range []string{
		`baton_http_requests_total{code="200",method="GET",route="/healthz"} 4`,
		`baton_http_requests_total{code="404",method="GET",route="/subjects/{subject}/versions"} 1`,
		`baton_http_requests_total{code="500",method="GET",route="/subjects"} 1`,
		`baton_http_requests_total{code="405",method="OTHER",route="unmatched"} 1`,
		`baton_publish_duration_seconds_count 1`,
		`baton_compat_check_duration_seconds_count 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(m.Body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// panickyRegistry's Subjects panics, to test recovery.
type panickyRegistry struct{ registry.Registry }

func (panickyRegistry) Subjects(context.Context, bool) ([]string, error) {
	panic("secret internal detail")
}

// TestConcurrentPublishesOverHTTP: 64 parallel publishes to one subject
// get versions 1..64, none lost and none twice.
func TestConcurrentPublishesOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.do("PUT", "/config/busy", `{"compatibility":"NONE"}`)
	const n = 64
	var wg sync.WaitGroup
	versions := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := schemaBody(fmt.Sprintf(`{"type":"object","title":"v%d"}`, i))
			req, _ := http.NewRequest("POST", h.URL+"/subjects/busy/versions", strings.NewReader(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var out struct {
				Version int `json:"version"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
				t.Errorf("publish %d: %d %v", i, resp.StatusCode, err)
			}
			versions[i] = out.Version
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, v := range versions {
		if v < 1 || v > n || seen[v] {
			t.Errorf("versions %v: want each of 1..%d once", versions, n)
			break
		}
		seen[v] = true
	}
	var want strings.Builder
	want.WriteString("[")
	for i := 1; i <= n; i++ {
		if i > 1 {
			want.WriteString(",")
		}
		fmt.Fprint(&want, i)
	}
	want.WriteString("]")
	wantJSON(t, h.do("GET", "/subjects/busy/versions", ""), 200, want.String())
}
