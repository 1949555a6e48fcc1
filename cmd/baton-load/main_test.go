package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

func TestOnlyLoopbackTargets(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1:8081", "http://example.com", "http://192.168.1.2", "ftp://127.0.0.1", "127.0.0.1:8081"} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"--url", u, "-n", "1"}, &out, &errOut); code != 2 {
			t.Errorf("--url %s: exit %d, want 2 (%s)", u, code, errOut.String())
		}
	}
	for _, u := range []string{"http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"} {
		if err := (config{base: u, conc: 1, n: 1, properties: 1}).valid(); err != nil {
			t.Errorf("--url %s refused: %v", u, err)
		}
	}
}

var countRE = regexp.MustCompile(` (\d+) requests in `)

var resultRE = regexp.MustCompile(`(?m)^req/s \d+  p50 [\d.]+ms  p90 [\d.]+ms  p99 [\d.]+ms  max [\d.]+ms  errors 0$`)

// startServer runs a registry on a fresh bolt store behind a real listener.
func startServer(t *testing.T) (*boltstore.Store, *httptest.Server) {
	t.Helper()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(httpapi.NewServer(registry.NewRegistrar(st, registry.Options{}), httpapi.Options{}))
	t.Cleanup(srv.Close)
	return st, srv
}

// TestScenarios runs every scenario briefly against a real server.
func TestScenarios(t *testing.T) {
	st, srv := startServer(t)
	for _, args := range [][]string{
		{"--scenario", "get-by-id", "-c", "4", "-n", "200"},
		{"--scenario", "compat", "-c", "4", "-n", "40"},
		{"--scenario", "compat", "--fresh", "-c", "4", "-n", "20"},
		{"--scenario", "register", "-c", "2", "-n", "10"},
		{"--scenario", "register", "--same", "-c", "2", "-n", "10"},
		{"--scenario", "get-by-id", "-c", "2", "--duration", "200ms"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"--url", srv.URL}, args...), &out, &errOut)
		if code != 0 || !resultRE.MatchString(out.String()) {
			t.Errorf("%v: exit %d\n%s%s", args, code, out.String(), errOut.String())
		}
		if m := countRE.FindStringSubmatch(out.String()); args[len(args)-2] == "-n" && (m == nil || m[1] != args[len(args)-1]) {
			t.Errorf("%v: ran %v requests, want %s", args, m, args[len(args)-1])
		}
	}
	// Ten distinct subjects were registered.
	subjects, err := st.Subjects(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	reg := 0
	for _, s := range subjects {
		if strings.HasPrefix(s, "baton-load-reg-") {
			reg++
		}
	}
	if reg != 20 {
		t.Errorf("register scenarios made %d subjects, want 20", reg)
	}
}

var cpuRE = regexp.MustCompile(`(?m)^cpu/req  load tool \d+\.\d{3}ms  server \d+\.\d{3}ms$`)

// TestServerCPU: with --server-pid the run also reports the server's CPU
// time per request (here the server runs in the test process itself); a
// process that does not exist is refused before any request is sent.
func TestServerCPU(t *testing.T) {
	_, srv := startServer(t)
	var out, errOut bytes.Buffer
	args := []string{"--url", srv.URL, "--scenario", "compat", "--fresh", "-c", "2", "-n", "20", "--server-pid", strconv.Itoa(os.Getpid())}
	if code := run(context.Background(), args, &out, &errOut); code != 0 || !cpuRE.MatchString(out.String()) {
		t.Errorf("exit %d, want 0 and a cpu/req line:\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	args = []string{"--url", srv.URL, "-n", "1", "--server-pid", "999999999"}
	if code := run(context.Background(), args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "--server-pid 999999999") {
		t.Errorf("unknown pid: exit %d, want 2 naming the flag:\n%s%s", code, out.String(), errOut.String())
	}
}

// TestMain lets the test binary stand in for baton-load when --floor
// starts it as the floor server.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

var floorRE = regexp.MustCompile(`(?m)^scenario floor \(bare net/http, same answer\)  c=2  100 requests in .*\n^req/s \d+ .* errors 0\n^cpu/req .*\n^registry/floor req/s \d+%$`)

// TestFloor: --floor loads a bare server answering the same bytes after
// the registry, and reports the registry's share; other scenarios refuse it.
func TestFloor(t *testing.T) {
	_, srv := startServer(t)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--url", srv.URL, "--floor", "-c", "2", "-n", "100"}, &out, &errOut); code != 0 || !floorRE.MatchString(out.String()) {
		t.Errorf("exit %d, want 0 and a floor run:\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"--url", srv.URL, "--floor", "--scenario", "compat", "-n", "1"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "--floor") {
		t.Errorf("--floor with compat: exit %d, want 2:\n%s", code, errOut.String())
	}
}
