package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// TestBodyCache: a success is served from the cache afterwards (no second
// load), an error is never kept, and the cache stays within its bound.
func TestBodyCache(t *testing.T) {
	t.Parallel()
	c := newBodyCache(10)
	loads := map[int64]int{}
	serve := func(id int64, body string) (int, string) {
		rec := httptest.NewRecorder()
		serveCached(c, rec, httptest.NewRequest("GET", "/", nil), id, func(context.Context) ([]byte, error) {
			loads[id]++
			if id == 9 {
				return nil, errors.New("store down")
			}
			return []byte(body), nil
		}, func(err error) { http.Error(rec, err.Error(), http.StatusServiceUnavailable) })
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	steps := []struct {
		id         int64
		body       string
		wantStatus int
		wantBody   string
		wantLoads  int
	}{
		{1, "aaaa", 200, "aaaa", 1},
		{1, "changed", 200, "aaaa", 1}, // served from the cache: not loaded again
		{9, "x", 503, "store down", 1},
		{9, "x", 503, "store down", 2}, // errors are not kept
		{2, "bbbb", 200, "bbbb", 1},
		{3, "cccc", 200, "cccc", 1},                 // 12 bytes > 10: something was dropped
		{4, "way too long", 200, "way too long", 1}, // over the bound alone: served, never kept
		{4, "way too long", 200, "way too long", 2},
	}
	for i, s := range steps {
		status, body := serve(s.id, s.body)
		if status != s.wantStatus || body != s.wantBody || loads[s.id] != s.wantLoads {
			t.Errorf("step %d (id %d): %d %q after %d loads, want %d %q after %d", i, s.id, status, body, loads[s.id], s.wantStatus, s.wantBody, s.wantLoads)
		}
		if c.size > c.limit {
			t.Errorf("step %d: cache holds %d bytes, bound %d", i, c.size, c.limit)
		}
		total := 0
		for _, v := range c.m {
			total += len(v.body)
		}
		if total != c.size {
			t.Errorf("step %d: size %d, entries hold %d", i, c.size, total)
		}
	}
}

// TestSchemaRequestCache: a body decodes to the same request whether or
// not it was seen before, bad bodies fail every time with the same error,
// and a caller changing its references cannot change the next caller's.
func TestSchemaRequestCache(t *testing.T) {
	t.Parallel()
	decodeOnce := func(body, ct string) (schemaRequest, error) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		return decodeSchemaRequest(r)
	}
	tests := []struct {
		name, body, ct, wantErr string
	}{
		{"plain", `{"schema":"{\"type\":\"string\"}","schemaType":"JSON"}`, "", ""},
		{"references", `{"schema":"{}","schemaType":"JSON","references":[{"name":"a.json","subject":"a","version":1}]}`, "application/json", ""},
		{"no schema field", `{"schemaType":"JSON","cache-test":1}`, "", `no "schema" field`},
		{"malformed", `{"schema":`, "", "malformed JSON"},
		{"no schemaType", `{"schema":"{}","cache-test":3}`, "", `send "schemaType": "JSON"`},
		{"foreign content type", `{"schema":"{}","cache-test":2}`, "text/plain", "unsupported Content-Type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first, err1 := decodeOnce(tc.body, tc.ct)
			if len(first.References) > 0 {
				first.References[0].Name = "changed by the first caller"
			}
			second, err2 := decodeOnce(tc.body, tc.ct)
			for i, err := range []error{err1, err2} {
				if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
					t.Errorf("decode %d: error %v, want %q", i+1, err, tc.wantErr)
				}
			}
			if tc.wantErr != "" {
				return
			}
			if second.Schema == nil || *second.Schema != *first.Schema || second.SchemaType != first.SchemaType {
				t.Errorf("second decode %+v differs from the first %+v", second, first)
			}
			if len(second.References) > 0 && second.References[0].Name != "a.json" {
				t.Errorf("a caller's change reached the cache: %+v", second.References)
			}
		})
	}
}

// TestReadAllSized: the body comes back whole whatever length was announced.
func TestReadAllSized(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("0123456789", 700)
	for _, announced := range []int64{-1, 0, 1, 512, int64(len(body)) - 1, int64(len(body)), int64(len(body)) + 100} {
		got, err := readAllSized(iotest.OneByteReader(strings.NewReader(body)), announced)
		if err != nil || string(got) != body {
			t.Errorf("announced %d: %d bytes, %v; want the %d-byte body", announced, len(got), err, len(body))
		}
	}
	_, err := readAllSized(iotest.TimeoutReader(strings.NewReader(body)), int64(len(body)))
	if err == nil {
		t.Errorf("a failing reader's error was lost")
	}
}

// schemaRequestBodies are bodies where a decoder of the request envelope
// may differ from json.Unmarshal: field names in other case (ſ and K fold
// to s and k), repeated members, escapes, values of other types,
// references and import fields.
var schemaRequestBodies = []string{
	`{"schema":"{\"type\":\"string\"}","schemaType":"JSON"}`,
	`{"schemaType":"JSON","schema":"{}","metadata":{"x":1},"ruleSet":null}`,
	`{"schema":"a","schema":"b"}`, `{"schema":"\u00e9\ud83d\ude00\ud800"}`, `{"schema":""}`, `{}`,
	`{"Schema":"a"}`, `{"SCHEMATYPE":"JSON","schema":"{}"}`, `{"ſchema":"a"}`, `{"schema":"a","schemaType":"JSON","references":[]}`,
	`{"schema":"a","references":[{"name":"n","subject":"s","version":1}]}`, `{"schema":"a","id":5,"version":2}`,
	`{"schema":null}`, `{"schema":1}`, `{"schemaType":true}`, `{"schema":"a","schemaType":null}`, `{"schema":["a"]}`,
	`[]`, `"schema"`, `null`, `{"schema":"a"} x`, `{"schema":"a",}`, "{\"schema\":\"\xff\"}", ``, `  `,
}

func TestPlainSchemaRequestAgrees(t *testing.T) {
	for _, body := range schemaRequestBodies {
		assertPlainAgrees(t, []byte(body))
	}
}

func FuzzPlainSchemaRequest(f *testing.F) {
	for _, body := range schemaRequestBodies {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { assertPlainAgrees(t, body) })
}

// assertPlainAgrees: a body plainSchemaRequest decodes, json.Unmarshal
// decodes without error into the same request.
func assertPlainAgrees(t *testing.T, body []byte) {
	t.Helper()
	got, ok := plainSchemaRequest(body)
	if !ok {
		return
	}
	want, err := decodeBytes[schemaRequest](body)
	if err != nil {
		t.Fatalf("%q: plainSchemaRequest decodes what json.Unmarshal refuses (%v)", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%q: plainSchemaRequest = %+v, json.Unmarshal = %+v", body, got, want)
	}
}

// TestPlainSchemaRequestTakesTheCommonBody: the body serializers send is
// the one decoded in one pass; a body with references is left to
// json.Unmarshal.
func TestPlainSchemaRequestTakesTheCommonBody(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
	}{
		{`{"schema":"{}","schemaType":"JSON"}`, true},
		{`{"schema":"{}","schemaType":"JSON","references":[{"name":"n","subject":"s","version":1}]}`, false},
		{`{"Schema":"{}"}`, false},
	} {
		if _, ok := plainSchemaRequest([]byte(tc.body)); ok != tc.want {
			t.Errorf("plainSchemaRequest(%s) ok = %v, want %v", tc.body, ok, tc.want)
		}
	}
}
