package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/eventschema"
	"github.com/batonhq/baton/registry"
)

// hostileDeadline bounds each hostile request: far above what a refusal
// costs (milliseconds), far below a hang. Exceeding it fails the case.
const hostileDeadline = 15 * time.Second

// nested returns n levels of open, then inner, then n levels of close.
func nested(open, inner, close string, n int) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

// bigEnum is a schema with an n-value enum.
func bigEnum(n int) string {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprint(i)
	}
	return `{"enum":[` + strings.Join(vals, ",") + `]}`
}

// TestHostileInputs sends inputs built to crash, hang, exhaust or trick the
// registry through the real HTTP API (real Service on bbolt). Each must be
// refused with the named 4xx and Confluent error code within
// hostileDeadline; afterwards the server is healthy and stores nothing.
func TestHostileInputs(t *testing.T) {
	h := newHarness(t)

	// A listener standing in for any URL a $ref could make the server
	// fetch: it must never be asked for anything.
	var fetched atomic.Int64
	bait := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Write([]byte(`{"type":"string"}`))
	}))
	t.Cleanup(bait.Close)

	pub := "/subjects/hostile/versions"
	check := "/compatibility/subjects/hostile/versions" // every version: compiles the proposal first
	jsonCT := []string{"Content-Type", "application/vnd.schemaregistry.v1+json"}
	oversize := schemaBody(`{"description":"` + strings.Repeat("x", 5<<20) + `"}`)

	cases := []struct {
		name, method, path, body string
		headers                  []string
		status, code             int
		msg                      string // regexp the message must match
	}{
		// Size and shape of the schema.
		{"arrays nested 10,000 deep", "POST", pub, schemaBody(nested("[", "", "]", 10_000)), nil, 422, 42201, `deeper than 128 levels`},
		{"objects nested 10,000 deep", "POST", pub, schemaBody(nested(`{"not":`, "{}", "}", 10_000)), nil, 422, 42201, `hostile:1:897: document nests deeper than 128 levels`},
		{"objects nested 10,000 deep, on check", "POST", check, schemaBody(nested(`{"not":`, "{}", "}", 10_000)), nil, 422, 42201, `deeper than 128 levels`},
		{"request envelope nested 10,001 deep", "POST", pub, `{"schema":"{}","x":` + nested("[", "", "]", 10_001) + `}`, nil, 422, 42201, `(?i)depth`},
		{"100,000 properties", "POST", pub, schemaBody(eventschema.Members(100_000)), nil, 422, 42201, `/properties: object has 100000 members; the limit \(max properties per object\) is 10000`},
		{"enum of 20,000 values", "POST", pub, schemaBody(bigEnum(20_000)), nil, 422, 42201, `enum has 20000 values; the limit is 10000`},
		{"nodes over the limit", "POST", pub, schemaBody(`{"default":[` + strings.Repeat("0,", 260_000) + `0]}`), nil, 422, 42201, `more than 250000 JSON values`},

		// Regular expressions: Go's engine is linear, so the classic
		// catastrophic patterns are harmless; programs that are huge are not.
		{"(a+)+$ checked against a missing subject", "POST", "/compatibility/subjects/hostile/versions/latest", schemaBody(`{"pattern":"(a+)+$"}`), nil, 404, 40401, `hostile`},
		{"(a|aa)*b looked up in a missing subject", "POST", "/subjects/hostile", schemaBody(`{"pattern":"(a|aa)*b"}`), nil, 404, 40401, `hostile`},
		{"a{1000}{1000}", "POST", pub, schemaBody(`{"pattern":"a{1000}{1000}"}`), nil, 422, 42201, `/pattern.*not valid 'regex'`},
		{"regex compiling to 36,000 instructions", "POST", pub, schemaBody(`{"pattern":"(abcdefghijklmnopqrstuvwxyz0123456789){1000}"}`), nil, 422, 42201, `/pattern: regular expression compiles to \d+ instructions; the limit \(max regex program\) is 10000`},
		{"patternProperties key compiling huge", "POST", pub, schemaBody(`{"patternProperties":{"(\\w\\d\\s[a-z]\\w\\d\\s[a-z]\\w\\d){1000}":{}}}`), nil, 422, 42201, `max regex program`},
		{"4,000 patternProperties of 990 bytes", "POST", pub, schemaBody(eventschema.PatternKeys(4000, 990)), nil, 422, 42201, `/patternProperties/000201a+…a+ \(990 bytes\): with this one, the schema's regular expressions reach \d+ compiled instructions; the limit \(max regex total\) is 200000`},
		{"3,000 patternProperties of 990 bytes, on check", "POST", check, schemaBody(eventschema.PatternKeys(3000, 990)), nil, 422, 42201, `the limit \(max regex total\) is 200000`},
		{"regex of 5,000 characters", "POST", pub, schemaBody(`{"pattern":"` + strings.Repeat("a", 5000) + `"}`), nil, 422, 42201, `regular expression is 5000 characters; the limit is 1000`},

		// Encodings and numbers.
		{"invalid UTF-8 in the body", "POST", pub, "{\"sch\xffema\":\"{}\"}", nil, 422, 42201, `not valid UTF-8 at line 1, column 6`},
		{"invalid UTF-8 in the schema string", "POST", pub, "{\"schema\":\"{\\\"description\\\":\\\"\xc3\\\"}\"}", nil, 422, 42201, `not valid UTF-8`},
		{"byte order mark before the body", "POST", pub, "\ufeff" + schemaBody(`{}`), nil, 422, 42201, `line 1, column 1`},
		{"byte order mark in the schema", "POST", pub, schemaBody("\ufeff{}"), nil, 422, 42201, `invalid JSON`},
		{"NaN in the schema", "POST", pub, schemaBody(`{"maximum":NaN}`), nil, 422, 42201, `invalid JSON`},
		{"-Infinity in the schema", "POST", pub, schemaBody(`{"minimum":-Infinity}`), nil, 422, 42201, `invalid JSON`},
		{"NaN as the schema field", "POST", pub, `{"schema":NaN}`, nil, 422, 42201, `malformed JSON`},
		{"maxLength 1e400", "POST", pub, schemaBody(`{"maxLength":1e400}`), nil, 422, 42201, `/maxLength: maxLength is 1e400`},
		{"maxItems 99999999999999999999", "POST", pub, schemaBody(`{"maxItems":99999999999999999999}`), nil, 422, 42201, `counts above 2\^53`},
		{"400 × minimum 1e999999", "POST", pub, schemaBody(eventschema.Props(400, `{"type":"number","minimum":1e999999}`)), nil, 422, 42201, `/properties/p0/minimum: number 1e999999 has exponent 999999; the limit \(max number exponent\) is 1000`},
		{"400 × minimum 1e999999, on impact", "POST", "/v1/impact", schemaBody(eventschema.Props(400, `{"type":"number","minimum":1e999999}`), "subject", `"hostile"`), nil, 422, 42201, `/properties/p0/minimum: number 1e999999 has exponent 999999; the limit \(max number exponent\) is 1000`},
		{"multipleOf 1e-999999, on check", "POST", check, schemaBody(`{"multipleOf":1e-999999}`), nil, 422, 42201, `/multipleOf: number 1e-999999 has exponent -999999; the limit \(max number exponent\)`},
		{"maximum of 1,000,000 digits", "POST", pub, schemaBody(`{"maximum":1` + strings.Repeat("7", 999_999) + `}`), nil, 422, 42201, `/maximum: number 1777+…7+ \(1000000 bytes\) is written with 1000000 digits; the limit \(max number digits\) is 1000`},
		{"zero with exponent 999999 in an enum", "POST", pub, schemaBody(`{"enum":[1,0e999999]}`), nil, 422, 42201, `/enum/1: number 0e999999 has exponent 999999`},
		{"exponent past big.Rat's in a const", "POST", pub, schemaBody(`{"type":"integer","const":1e9999999}`), nil, 422, 42201, `/const: number 1e9999999 has exponent 9999999`},
		{"maxLength 2^53+1", "POST", pub, schemaBody(`{"maxLength":9007199254740993}`), nil, 422, 42201, `/maxLength: maxLength is 9007199254740993; counts above 2\^53`},
		{"minProperties 2^53+1, on check", "POST", check, schemaBody(`{"properties":{"a":{"minProperties":9007199254740993}}}`), nil, 422, 42201, `/properties/a/minProperties: minProperties is 9007199254740993; counts above 2\^53`},
		{"minItems 9.007199254740993e15", "POST", pub, schemaBody(`{"minItems":9.007199254740993e15}`), nil, 422, 42201, `/minItems: minItems is 9.007199254740993e15; counts above 2\^53`},
		{"maxContains 2^53+1", "POST", pub, schemaBody(`{"$schema":"https://json-schema.org/draft/2020-12/schema","maxContains":9007199254740993}`), nil, 422, 42201, `/maxContains: maxContains is 9007199254740993`},
		{"minLength -1", "POST", pub, schemaBody(`{"minLength":-1}`), nil, 422, 42201, `/minLength: minLength must be a non-negative integer, not -1`},
		{"maxItems 1.5", "POST", pub, schemaBody(`{"items":{"maxItems":1.5}}`), nil, 422, 42201, `/items/maxItems: maxItems must be a non-negative integer, not 1.5`},
		{"reference version 1e400", "POST", pub, `{"schema":"{}","references":[{"name":"a","subject":"b","version":1e400}]}`, nil, 422, 42201, `version`},
		{"duplicate keys in the schema", "POST", pub, schemaBody(`{"type":"string","type":"integer"}`), nil, 422, 42201, `/type: key "type" appears twice`},
		{"garbage JSON", "POST", pub, `{"schema": "{}", ]]`, nil, 422, 42201, `line 1, column 18`},

		// $ref: never a file, never the network, no loops.
		{"$ref to itself", "POST", pub, schemaBody(`{"$ref":"#"}`), nil, 422, 42201, `infinite loop`},
		{"$refs in a loop", "POST", pub, schemaBody(`{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},"$ref":"#/definitions/a"}`), nil, 422, 42201, `infinite loop`},
		{"$ref to file:///etc/passwd", "POST", pub, schemaBody(`{"$ref":"file:///etc/passwd"}`), nil, 422, 42201, `external \$ref is not allowed: file:///etc/passwd`},
		{"$ref to a local listener", "POST", pub, schemaBody(`{"$ref":"` + bait.URL + `/x.json"}`), nil, 422, 42201, `external \$ref is not allowed: ` + regexp.QuoteMeta(bait.URL)},
		{"$ref to a local listener, on check", "POST", check, schemaBody(`{"properties":{"a":{"$ref":"` + bait.URL + `/x.json#/a"}}}`), nil, 422, 42201, `external \$ref is not allowed`},
		{"$ref to ../../etc/passwd", "POST", pub, schemaBody(`{"$ref":"../../etc/passwd"}`), nil, 422, 42201, `external \$ref is not allowed`},
		{"$ref to other.json, on check", "POST", check, schemaBody(`{"$ref":"other.json"}`), nil, 422, 42201, `external \$ref is not allowed.*other.json`},
		{"$id pointing at the listener", "POST", pub, schemaBody(`{"$id":"` + bait.URL + `/root.json","properties":{"a":{"$ref":"b.json"}}}`), nil, 422, 42201, `external \$ref is not allowed`},
		{"reference to a missing subject", "POST", pub, schemaBody(`{"$ref":"a.json"}`, "references", `[{"name":"a.json","subject":"missing","version":1}]`), nil, 422, 42201, `subject "missing" version 1 does not exist`},
		{"reference to itself", "POST", pub, schemaBody(`{"$ref":"me.json"}`, "references", `[{"name":"me.json","subject":"hostile","version":1}]`), nil, 422, 42201, `does not exist`},
		{"reference naming a file", "POST", pub, schemaBody(`{"$ref":"file:///etc/passwd"}`, "references", `[{"name":"file:///etc/passwd","subject":"x","version":1}]`), nil, 422, 42201, `does not exist`},
		{"reference with version 0", "POST", pub, schemaBody(`{}`, "references", `[{"name":"a","subject":"b","version":0}]`), nil, 422, 42201, `version >= 1`},

		// The request envelope.
		{"text/plain", "POST", pub, schemaBody(`{}`), []string{"Content-Type", "text/plain"}, 415, 415, `text/plain`},
		{"multipart", "POST", pub, "--x\r\nContent-Disposition: form-data; name=\"schema\"\r\n\r\n{}\r\n--x--\r\n", []string{"Content-Type", "multipart/form-data; boundary=x"}, 415, 415, `multipart/form-data`},
		{"empty body", "POST", pub, "", jsonCT, 422, 42201, `empty`},
		{"body is an array", "POST", pub, `[{"schema":"{}"}]`, nil, 422, 42201, `request body must be an object`},
		{"body is a string", "POST", pub, `"{}"`, nil, 422, 42201, `must be an object`},
		{"schema field is an object", "POST", pub, `{"schema":{"type":"string"}}`, nil, 422, 42201, `"schema" must be a string`},
		{"schema field is null", "POST", pub, `{"schema":null}`, nil, 422, 42201, `no "schema" field`},
		{"unknown schemaType", "POST", pub, schemaBody(`{}`, "schemaType", `"XML"`), nil, 422, 42201, `"XML"`},
		{"AVRO", "POST", pub, schemaBody(`{"type":"record","name":"r","fields":[]}`, "schemaType", `"AVRO"`), nil, 422, 42201, `AVRO`},
		{"PROTOBUF", "POST", pub, schemaBody(`syntax = "proto3";`, "schemaType", `"PROTOBUF"`), nil, 422, 42201, `PROTOBUF`},
		{"body over 4 MiB", "POST", pub, oversize, nil, 413, registry.CodeRequestTooLarge, `limit is 4194304 bytes`},
		{"chunked body over 4 MiB", "POST", pub, oversize, []string{"Transfer-Encoding", "chunked"}, 413, registry.CodeRequestTooLarge, `limit is 4194304 bytes`},
		{"?permanent=garbage", "DELETE", "/subjects/hostile?permanent=garbage", "", nil, 404, 40401, `hostile`},
		{"garbage Authorization on a write", "POST", pub, schemaBody(`{"type":12}`), []string{"Authorization", "Bearer \xff\xfe ' OR 1=1 --"}, 422, 42201, `type`},
		{"garbage Basic credentials", "POST", pub, schemaBody(`{"$ref":"#"}`), []string{"Authorization", "Basic !!!not-base64!!!"}, 422, 42201, `infinite loop`},

		// Subject names and versions.
		{"subject of 5,000 bytes", "POST", "/subjects/" + strings.Repeat("s", 5000) + "/versions", schemaBody(`{}`), nil, 422, 42200, `subject name is 5000 bytes; the limit is 1000`},
		{"subject with a newline", "POST", "/subjects/a%0Ab/versions", schemaBody(`{}`), nil, 422, 42200, `control character`},
		{"subject with invalid UTF-8", "POST", "/subjects/a%FFb/versions", schemaBody(`{}`), nil, 422, 42200, `not valid UTF-8`},
		{"subject ../../etc/passwd, escaped", "POST", "/subjects/..%2F..%2Fetc%2Fpasswd/versions", schemaBody(`{}`), nil, 422, 42200, `"\.\." path segment`},
		{"subject ., escaped", "PUT", "/config/%2E", `{"compatibility":"NONE"}`, nil, 422, 42200, `"\." path segment`},
		{"version 0", "GET", "/subjects/hostile/versions/0", "", nil, 422, 42202, `"0"`},
		{"version -1 of a missing subject", "GET", "/subjects/hostile/versions/-1", "", nil, 404, 40401, `hostile`},
		{"version 99999999999999999999", "GET", "/subjects/hostile/versions/99999999999999999999", "", nil, 422, 42202, `99999999999999999999`},
		{"version -1 on delete", "DELETE", "/subjects/hostile/versions/-2", "", nil, 422, 42202, `"-2"`},
	}
	add := func(name, method, path, body string, status, code int, msg string) {
		cases = append(cases, struct {
			name, method, path, body string
			headers                  []string
			status, code             int
			msg                      string
		}{name, method, path, body, nil, status, code, msg})
	}
	addIssue14Cases(add)
	if len(cases) < 150 {
		t.Fatalf("only %d hostile cases, want at least 150", len(cases))
	}
	// A text whose canonical form is cached must still be judged on its
	// own bytes (issue 14 #5): warm the cache with the valid forms first.
	for _, warm := range []string{`{"type":"integer"}`, `{"type":"object","properties":{"a":{}}}`} {
		wantJSON(t, hostileDo(t, h.URL, "POST", check, schemaBody(warm)), 200, `{"is_compatible":true}`)
	}
	names := map[string]bool{}
	var worst struct{ cpu, rss requestCost }
	for _, c := range cases {
		if names[c.name] {
			t.Fatalf("two cases named %q", c.name)
		}
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			var r response
			spent := measureCost(t, func() { r = hostileDo(t, h.URL, c.method, c.path, c.body, c.headers...) })
			msg := wantError(t, r, c.status, c.code)
			if !regexp.MustCompile(c.msg).MatchString(msg) {
				t.Errorf("message %.300q does not match %q", msg, c.msg)
			}
			// No error repeats a large input whole (issue 14 #11).
			if len(msg) > maxHostileMessage {
				t.Errorf("message is %d bytes, want at most %d: %.300q", len(msg), maxHostileMessage, msg)
			}
			spent.check(t)
			spent.request = c.name
			if spent.cpu > worst.cpu.cpu {
				worst.cpu = spent
			}
			if spent.rss > worst.rss.rss {
				worst.rss = spent
			}
		})
	}
	t.Logf("%d cases; most CPU: %s (%s); most peak-RSS growth: %d MB (%s)", len(cases),
		worst.cpu.cpu, worst.cpu.request, worst.rss.rss>>20, worst.rss.request)

	if n := fetched.Load(); n != 0 {
		t.Errorf("a $ref made the server fetch the listener %d times", n)
	}
	// Still healthy, and nothing was stored.
	wantJSON(t, hostileDo(t, h.URL, "GET", "/healthz", ""), 200, `{"status":"ok"}`)
	wantJSON(t, hostileDo(t, h.URL, "GET", "/subjects", ""), 200, `[]`)
	wantJSON(t, hostileDo(t, h.URL, "GET", "/subjects?deleted=true", "", "Authorization", "garbage"), 200, `[]`)
	wantJSON(t, hostileDo(t, h.URL, "GET", "/config", ""), 200, `{"compatibilityLevel":"BACKWARD","compatibilityPolicy":"STRICT"}`)
	wantJSON(t, hostileDo(t, h.URL, "GET", "/v1/services", ""), 200, `[]`)
}

// TestHostileHTTPFraming covers what the HTTP layer itself refuses before a
// handler runs: oversize headers, and an unencoded path traversal (cleaned
// and redirected by the router, never reaching a subject).
func TestHostileHTTPFraming(t *testing.T) {
	h := newHarness(t)
	r := hostileDo(t, h.URL, "GET", "/subjects", "", "X-Padding", strings.Repeat("p", 2<<20))
	if r.Status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("2 MiB header: %d %s", r.Status, r.Body)
	}
	r = hostileDo(t, h.URL, "POST", "/subjects/../../etc/passwd/versions", schemaBody(`{}`))
	if r.Status < 400 || r.Status >= 500 {
		t.Errorf("unencoded traversal: %d %s", r.Status, r.Body)
	}
	wantJSON(t, hostileDo(t, h.URL, "GET", "/subjects", ""), 200, `[]`)
}

// hostileDo sends one request under hostileDeadline; a request that does
// not finish in time fails the test. A JSON Content-Type is set for bodies
// unless headers give one.
func hostileDo(t *testing.T, base, method, path, body string, headers ...string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		switch headers[i] {
		case "Transfer-Encoding": // no Content-Length: the server learns the size by reading
			req.ContentLength = -1
			req.Body = io.NopCloser(rd)
		default:
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %.80s: no answer within %s: %v", method, path, hostileDeadline, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %.80s: reading the answer: %v", method, path, err)
	}
	if resp.StatusCode >= 500 {
		t.Errorf("%s %.80s: %d after %s: %s", method, path, resp.StatusCode, time.Since(start), data)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// TestReferenceNamedByURLIsNeverFetched: a reference may be named by a URL
// (Confluent clients often use one); the $ref then resolves to the
// registered schema in memory, and the URL, although a live listener, is
// never requested. A $ref to a neighbouring path of that URL, not
// registered, is refused.
func TestReferenceNamedByURLIsNeverFetched(t *testing.T) {
	h := newHarness(t)
	var fetched atomic.Int64
	bait := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Write([]byte(`{"type":"integer"}`))
	}))
	t.Cleanup(bait.Close)

	h.publish("dep", `{"type":"string"}`)
	name := bait.URL + "/dep.json"
	refs := `[{"name":"` + name + `","subject":"dep","version":1}]`
	h.publish("main", `{"properties":{"a":{"$ref":"`+name+`"}}}`, "references", refs)
	r := hostileDo(t, h.URL, "POST", "/compatibility/subjects/main/versions/latest",
		schemaBody(`{"properties":{"a":{"$ref":"`+name+`"},"b":{"$ref":"`+bait.URL+`/other.json"}}}`, "references", refs))
	wantError(t, r, 422, 42201)
	if n := fetched.Load(); n != 0 {
		t.Errorf("the listener was fetched %d times", n)
	}
	// The reference resolved to the registered string schema, not to what
	// the listener would have answered.
	r = hostileDo(t, h.URL, "POST", "/compatibility/subjects/main/versions/latest",
		schemaBody(`{"properties":{"a":{"type":"string"}}}`))
	wantJSON(t, r, 200, `{"is_compatible":true}`)
}
