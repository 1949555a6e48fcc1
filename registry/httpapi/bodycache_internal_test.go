package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBodyCache: a success is served from the cache afterwards (no second
// load), an error is never kept, and the cache stays within its bound.
func TestBodyCache(t *testing.T) {
	t.Parallel()
	c := newBodyCache(10)
	loads := map[int64]int{}
	serve := func(id int64, body string) (int, string) {
		rec := httptest.NewRecorder()
		c.serve(rec, httptest.NewRequest("GET", "/", nil), id, func(context.Context) ([]byte, error) {
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
