package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

// FuzzPublishHandler sends random bodies to random subjects through the
// real handler chain (middleware, router, Service, bbolt in a temp dir).
// With wrap set, the random bytes are the schema text inside a well-formed
// body instead, so mutations reach the schema loader and the registry
// rules rather than stopping at the envelope.
// It must never panic or answer 5xx (the store is healthy, so not even
// 503); whatever it accepts (200) must read back unchanged, compile, and be
// compatible with itself.
//
// The kept corpus is testdata/fuzz/FuzzPublishHandler; .ci/run runs this
// briefly.
func FuzzPublishHandler(f *testing.F) {
	seeds := []struct{ subject, body string }{
		{"orders", `{"schema":"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}"}`},
		{"orders", `{"schema":"{\"type\":\"string\"}","schemaType":"JSON"}`},
		{"a/b", `{"schema":"true"}`},
		{"x", `{"schema":"{\"$ref\":\"file:///etc/passwd\"}"}`},
		{"x", `{"schema":"{\"$ref\":\"a.json\"}","references":[{"name":"a.json","subject":"orders","version":1}]}`},
		{"x", `{"schema":"{\"pattern\":\"(a+)+$\",\"enum\":[1,1.0,\"1\"]}"}`},
		{"x", `{"schema":"{\"type\":\"string\",\"type\":\"integer\"}"}`},
		{"x", `{"schema":"{\"maxLength\":1e400}"}`},
		{"x", `{"schema":"{\"$ref\":\"#\"}"}`},
		{"x", `{"schema":"{\"definitions\":{\"n\":{\"anyOf\":[{\"type\":\"null\"},{\"properties\":{\"next\":{\"$ref\":\"#/definitions/n\"}}}]}},\"$ref\":\"#/definitions/n\"}"}`},
		{"..", `{"schema":"{}"}`},
		{"", `{"schema":"{}"}`},
		{"x", `[]`},
		{"x", `{"schema":null}`},
		{"x", "\xff"},
		{"x", `{"schema":"{\"format\":\"date-time\",\"minimum\":-1e308,\"multipleOf\":0.0001}"}`},
	}
	for _, s := range seeds {
		f.Add(s.subject, []byte(s.body), false)
		var env struct {
			Schema string `json:"schema"`
		}
		if json.Unmarshal([]byte(s.body), &env) == nil && env.Schema != "" {
			f.Add(s.subject, []byte(env.Schema), true)
		}
	}
	st, err := boltstore.Open(f.TempDir(), boltstore.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	h := httpapi.NewServer(registry.NewRegistrar(st, registry.Options{}), httpapi.Options{})

	f.Fuzz(func(t *testing.T, subject string, body []byte, wrap bool) {
		if wrap {
			var err error
			if body, err = json.Marshal(map[string]string{"schema": string(body)}); err != nil {
				t.Fatal(err)
			}
		}
		path := "/subjects/" + url.PathEscape(subject) + "/versions"
		rec := fuzzServe(t, h, "POST", path, body)
		if rec == nil {
			return // not a request a client could send
		}
		if rec.Code >= 500 {
			t.Fatalf("POST %q %q: %d %s", path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 300 && rec.Code < 400 && rec.Header().Get("Location") != "" {
			return // the router cleans paths such as /subjects//versions
		}
		if rec.Code != http.StatusOK {
			var e struct {
				ErrorCode int    `json:"error_code"`
				Message   string `json:"message"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.ErrorCode == 0 || e.Message == "" {
				t.Fatalf("%d without a Confluent error body: %s", rec.Code, rec.Body)
			}
			return
		}
		var got struct {
			ID      int64 `json:"id"`
			Version int   `json:"version"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.ID < 1 || got.Version < 1 {
			t.Fatalf("200 without an id and version: %s", rec.Body)
		}
		var req struct {
			Schema     string               `json:"schema"`
			References []registry.Reference `json:"references"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("accepted a body that is not JSON: %v", err)
		}
		// The version holds the schema as first registered: the same one
		// (same fingerprint), not necessarily the same text.
		vpath := fmt.Sprintf("/subjects/%s/versions/%d", url.PathEscape(subject), got.Version)
		back := fuzzServe(t, h, "GET", vpath+"/schema", nil)
		if back.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", vpath, back.Code, back.Body)
		}
		want, err1 := registry.Fingerprint(req.Schema, req.References)
		stored, err2 := registry.Fingerprint(back.Body.String(), req.References)
		if err1 != nil || err2 != nil || want != stored {
			t.Fatalf("GET %s answers %q, not the published %q (%v, %v)", vpath, back.Body, req.Schema, err1, err2)
		}
		if len(req.References) == 0 {
			if _, err := compat.Compile(back.Body.Bytes(), compat.LoadOptions{Limits: compat.HistoryLimits}); err != nil {
				t.Fatalf("stored schema does not compile: %v", err)
			}
		}
		cmp := fuzzServe(t, h, "POST", "/compatibility/subjects/"+url.PathEscape(subject)+fmt.Sprintf("/versions/%d", got.Version), body)
		if cmp.Code != http.StatusOK || !bytes.Contains(cmp.Body.Bytes(), []byte(`"is_compatible":true`)) {
			t.Fatalf("accepted schema is not compatible with itself: %d %s", cmp.Code, cmp.Body)
		}
	})
}

// fuzzServe runs one request through h in process; nil when the request cannot
// be built (a subject no URL can carry).
func fuzzServe(t *testing.T, h http.Handler, method, path string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req, err := http.NewRequest(method, "http://registry.test"+path, bytes.NewReader(body))
	if err != nil {
		return nil
	}
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
