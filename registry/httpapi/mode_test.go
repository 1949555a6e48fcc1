package httpapi_test

import (
	"testing"

	"github.com/batonhq/baton/registry"
)

// TestModes follows Confluent's mode scenarios step by step: each step is a
// request and the status and error_code (or body) it must get.
func TestModes(t *testing.T) {
	const (
		s1 = `{"type":"string"}`
		s2 = `{"type":"integer"}`
		s3 = `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`
		s4 = `{"type":"object","properties":{"a":{"type":"string"}}}`
	)
	type step struct {
		method, path, body string
		status, code       int    // code 0: a success with body want
		want               string // JSON body, or "" to skip
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"defaults and subject modes", []step{
			{"GET", "/mode", "", 200, 0, `{"mode":"READWRITE"}`},
			{"GET", "/mode/orders", "", 404, registry.CodeSubjectModeNotFound, ""},
			{"GET", "/mode/orders?defaultToGlobal=true", "", 200, 0, `{"mode":"READWRITE"}`},
			{"PUT", "/mode/orders", `{"mode":"readonly"}`, 200, 0, `{"mode":"READONLY"}`},
			{"GET", "/mode/orders", "", 200, 0, `{"mode":"READONLY"}`},
			{"DELETE", "/mode/orders", "", 200, 0, `{"mode":"READONLY"}`},
			{"DELETE", "/mode/orders", "", 404, registry.CodeSubjectModeNotFound, ""},
			{"PUT", "/mode", `{"mode":"SIDEWAYS"}`, 422, registry.CodeInvalidMode, ""},
			{"PUT", "/mode", `{}`, 422, registry.CodeInvalidMode, ""},
		}},
		{"read-only refuses writes, not reads", []step{
			{"POST", "/subjects/orders/versions", schemaBody(s1), 200, 0, ""},
			{"PUT", "/mode", `{"mode":"READONLY"}`, 200, 0, ""},
			{"POST", "/subjects/orders/versions", schemaBody(s4), 422, registry.CodeOperationNotPermitted, ""},
			{"POST", "/subjects/orders/versions", schemaBody(s1), 422, registry.CodeOperationNotPermitted, ""},
			{"DELETE", "/subjects/orders/versions/1", "", 422, registry.CodeOperationNotPermitted, ""},
			{"DELETE", "/subjects/orders", "", 422, registry.CodeOperationNotPermitted, ""},
			{"GET", "/subjects/orders/versions", "", 200, 0, `[1]`},
			{"POST", "/subjects/orders", schemaBody(s1), 200, 0, ""},   // lookup is a read
			{"PUT", "/mode/other", `{"mode":"READWRITE"}`, 200, 0, ""}, // the subject's mode wins
			{"POST", "/subjects/other/versions", schemaBody(s1), 200, 0, ""},
		}},
		{"import keeps ids and versions, skips compatibility", []step{
			{"POST", "/subjects/orders/versions", schemaBody(s1, "id", "100", "version", "1"), 422, registry.CodeOperationNotPermitted, ""},
			{"PUT", "/mode", `{"mode":"IMPORT"}`, 200, 0, `{"mode":"IMPORT"}`},
			{"POST", "/subjects/orders/versions", schemaBody(s1), 422, registry.CodeOperationNotPermitted, ""},
			{"POST", "/subjects/orders/versions", schemaBody(s3, "id", "100", "version", "3"), 200, 0, `{"id":100,"version":3}`},
			{"POST", "/subjects/orders/versions", schemaBody(s4, "id", "90", "version", "1"), 200, 0, `{"id":90,"version":1}`}, // out of order, incompatible
			{"POST", "/subjects/orders/versions", schemaBody(s4, "id", "90", "version", "1"), 200, 0, `{"id":90,"version":1}`}, // a re-run
			{"POST", "/subjects/orders/versions", schemaBody(s2, "id", "100", "version", "4"), 422, registry.CodeOperationNotPermitted, ""},
			{"POST", "/subjects/orders/versions", schemaBody(s2, "id", "101", "version", "1"), 422, registry.CodeOperationNotPermitted, ""},
			{"POST", "/subjects/copy/versions", schemaBody(s3, "id", "100"), 200, 0, `{"id":100,"version":1}`},
			{"POST", "/subjects/orders/versions", schemaBody(s2, "id", "-3"), 422, registry.CodeInvalidRequest, ""},
			{"POST", "/subjects/orders/versions", schemaBody(`{"type":`, "id", "7"), 422, registry.CodeInvalidSchema, ""},
			{"PUT", "/mode", `{"mode":"READWRITE"}`, 200, 0, ""},
			{"GET", "/subjects/orders/versions/3", "", 200, 0, `{"subject":"orders","version":3,"id":100,"schemaType":"JSON","schema":` + jsonString(s3) + `}`},
			{"GET", "/schemas/ids/90", "", 200, 0, `{"schema":` + jsonString(s4) + `,"schemaType":"JSON"}`},
			{"POST", "/subjects/fresh/versions", schemaBody(s2), 200, 0, `{"id":101,"version":1}`},    // above the imported ids
			{"POST", "/subjects/orders/versions", schemaBody(s2), 409, registry.CodeIncompatible, ""}, // checked again
		}},
		{"entering import needs force where schemas exist", []step{
			{"POST", "/subjects/orders/versions", schemaBody(s1), 200, 0, ""},
			{"PUT", "/mode", `{"mode":"IMPORT"}`, 422, registry.CodeOperationNotPermitted, ""},
			{"PUT", "/mode/orders", `{"mode":"IMPORT"}`, 422, registry.CodeOperationNotPermitted, ""},
			{"PUT", "/mode/empty", `{"mode":"IMPORT"}`, 200, 0, ""},
			{"POST", "/subjects/empty/versions", schemaBody(s2, "id", "50", "version", "2"), 200, 0, `{"id":50,"version":2}`},
			{"POST", "/subjects/orders/versions", schemaBody(s2, "id", "51", "version", "2"), 422, registry.CodeOperationNotPermitted, ""},
			{"PUT", "/mode?force=true", `{"mode":"IMPORT"}`, 200, 0, `{"mode":"IMPORT"}`},
			{"PUT", "/mode", `{"mode":"IMPORT"}`, 200, 0, ""}, // already importing
			{"POST", "/subjects/orders/versions", schemaBody(s2, "id", "51", "version", "2"), 200, 0, `{"id":51,"version":2}`},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			for i, st := range tc.steps {
				r := h.do(st.method, st.path, st.body)
				t.Logf("step %d: %s %s -> %d %s", i, st.method, st.path, r.Status, r.Body)
				if st.code != 0 {
					wantError(t, r, st.status, st.code)
					continue
				}
				if st.want != "" {
					wantJSON(t, r, st.status, st.want)
				} else if r.Status != st.status {
					t.Errorf("step %d: %s %s = %d %s, want %d", i, st.method, st.path, r.Status, r.Body, st.status)
				}
			}
		})
	}
}
