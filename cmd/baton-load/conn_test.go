package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestConnBodies: the load client reads answers with Content-Length and
// chunked answers (as other registries send for larger bodies), keeps the
// connection alive across both, and refuses encodings it cannot read.
func TestConnBodies(t *testing.T) {
	chunks := []string{`{"schema":"`, strings.Repeat("x", 5000), `"}`}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/length":
			w.Write([]byte(`{"id":1}`))
		case "/chunked":
			for _, c := range chunks {
				w.Write([]byte(c))
				w.(http.Flusher).Flush() // each write its own chunk
			}
		case "/gzip":
			w.Header().Set("Transfer-Encoding", "gzip")
			w.Write([]byte("x"))
		}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c := newConn(u.Host, u.Host, "")
	defer c.close()
	for _, tc := range []struct {
		path, want string
	}{
		{"/length", `{"id":1}`},
		{"/chunked", strings.Join(chunks, "")},
		{"/length", `{"id":1}`},
		{"/chunked", strings.Join(chunks, "")},
	} {
		status, body, err := c.do(context.Background(), request{method: "GET", path: tc.path})
		if err != nil || status != 200 || string(body) != tc.want {
			t.Fatalf("GET %s: status %d, err %v, body %d bytes %.40q; want 200 and %d bytes", tc.path, status, err, len(body), body, len(tc.want))
		}
	}
	if _, _, err := c.do(context.Background(), request{method: "GET", path: "/gzip"}); err == nil || !strings.Contains(err.Error(), "Transfer-Encoding") {
		t.Errorf("GET /gzip: err %v, want an unsupported Transfer-Encoding error", err)
	}
}
