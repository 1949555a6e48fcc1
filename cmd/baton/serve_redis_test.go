package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/testredis"
)

// httpDo sends one request and decodes the JSON answer into a map (or a
// list, for list endpoints, under key "list").
func httpDo(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if strings.HasPrefix(strings.TrimSpace(string(raw)), "[") {
		var list []any
		_ = json.Unmarshal(raw, &list)
		out["list"] = list
	} else {
		_ = json.Unmarshal(raw, &out)
	}
	return resp.StatusCode, out
}

func publishBody(schema string) string {
	b, _ := json.Marshal(map[string]string{"schema": schema, "schemaType": "JSON"})
	return string(b)
}

// TestServeRedisReplicas runs two real `baton serve --redis` processes on one
// private redis-server (AOF, fsync always): each serves what the other
// wrote, conflicting publishes land at most once, and while Redis is down
// both answer 503 / 50001 quickly and /readyz says so, then recover without
// a restart.
func TestServeRedisReplicas(t *testing.T) {
	bin := buildBaton(t)
	rs := testredis.Start(t, testredis.WithAOF())
	a := startProcess(t, bin, []string{"BATON_REDIS=" + rs.URL()}, "--addr", "127.0.0.1:0")
	b := startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--redis", rs.URL())
	if a.URL == "" || b.URL == "" {
		t.Fatalf("a server did not start:\n%s\n%s", a.logs(), b.logs())
	}

	code, got := httpDo(t, "POST", a.URL+"/subjects/orders/versions", publishBody(`{"type":["string","integer"]}`))
	if code != 200 || got["id"] == nil {
		t.Fatalf("publish through A: %d %v", code, got)
	}
	id := got["id"]
	code, got = httpDo(t, "GET", b.URL+"/subjects/orders/versions/latest", "")
	if code != 200 || got["id"] != id || got["version"] != float64(1) {
		t.Fatalf("latest through B: %d %v, want id %v version 1", code, got, id)
	}

	// Mutually incompatible under BACKWARD, each compatible with v1.
	var wg sync.WaitGroup
	codes := make([]int, 2)
	start := make(chan struct{})
	for i, tc := range []struct{ url, schema string }{
		{a.URL, `{"type":["string","integer","boolean"]}`},
		{b.URL, `{"type":["string","integer","null"]}`},
	} {
		wg.Go(func() {
			<-start
			codes[i], _ = httpDo(t, "POST", tc.url+"/subjects/orders/versions", publishBody(tc.schema))
		})
	}
	close(start)
	wg.Wait()
	slices.Sort(codes)
	if !slices.Equal(codes, []int{200, 409}) {
		t.Fatalf("conflicting publishes through A and B answered %v, want one 200 and one 409", codes)
	}

	rs.Kill()
	for _, s := range []*server{a, b} {
		began := time.Now()
		code, got := httpDo(t, "GET", s.URL+"/subjects/orders/versions", "")
		if code != 503 || got["error_code"] != float64(50001) {
			t.Errorf("%s with Redis down: %d %v, want 503 with error_code 50001", s.URL, code, got)
		}
		if took := time.Since(began); took > 2*time.Second {
			t.Errorf("%s took %v to fail with Redis down", s.URL, took)
		}
		if code, _ := httpDo(t, "GET", s.URL+"/readyz", ""); code != 503 {
			t.Errorf("%s /readyz with Redis down = %d, want 503", s.URL, code)
		}
		if code, _ := httpDo(t, "GET", s.URL+"/healthz", ""); code != 200 {
			t.Errorf("%s /healthz with Redis down = %d, want 200 (the process is alive)", s.URL, code)
		}
	}

	rs.Restart()
	for _, s := range []*server{a, b} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			code, _ := httpDo(t, "GET", s.URL+"/readyz", "")
			if code == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not ready 10s after Redis came back; logs:\n%s", s.URL, s.logs())
			}
			time.Sleep(50 * time.Millisecond)
		}
		code, got := httpDo(t, "GET", s.URL+"/subjects/orders/versions", "")
		if code != 200 || fmt.Sprint(got["list"]) != "[1 2]" {
			t.Errorf("%s versions after recovery: %d %v, want [1 2]", s.URL, code, got)
		}
	}
}

func TestServeRedisUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--data", t.TempDir(), "--redis", "redis://127.0.0.1:1/0"}, "exclude each other"},
		{[]string{"serve", "--redis", "http://127.0.0.1:1"}, "unknown scheme"},
		{[]string{"serve", "--redis", "redis://:pw-secret@127.0.0.1:1/0", "--addr", "127.0.0.1:0"}, "store unavailable"},
	} {
		var stderr strings.Builder
		code := run(t.Context(), tc.args, func(string) string { return "" }, strings.NewReader(""), io.Discard, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) || strings.Contains(stderr.String(), "pw-secret") {
			t.Errorf("baton %s: exit %d, stderr %q; want exit 2 mentioning %q (and no password)", strings.Join(tc.args, " "), code, stderr.String(), tc.want)
		}
	}
}
