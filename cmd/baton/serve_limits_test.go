package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/internal/testfs"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

// serveLimited runs cmdServe with args on a free port and returns its
// URL; the server is stopped (and waited for) when the test ends.
func serveLimited(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := startServe(t, ctx, append([]string{"--data", t.TempDir(), "--log-level", "error"}, args...)...)
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-s.Result:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return s.URL
}

// inProcessServer is cmdServe running in the test's process.
type inProcessServer struct {
	URL    string
	Result <-chan error  // what cmdServe returned, once it has
	Log    <-chan string // everything logged after the listening line, once cmdServe has returned
}

// startServe runs cmdServe(ctx, "--addr 127.0.0.1:0" args...), reads the
// address off its listening line and keeps draining its log so the server
// never blocks on stderr. Cancelling ctx stops it.
func startServe(t *testing.T, ctx context.Context, args ...string) inProcessServer {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	e := env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: pw, isTerminal: isTerminal}
	result := make(chan error, 1)
	go func() {
		result <- cmdServe(ctx, e, append([]string{"--addr", "127.0.0.1:0"}, args...))
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	url := ""
	for url == "" && sc.Scan() {
		if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
	}
	logs := make(chan string, 1)
	go func() {
		var b strings.Builder
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
		}
		pr.Close()
		logs <- b.String()
	}()
	if url == "" {
		t.Fatalf("server did not start: %v", <-result)
	}
	return inProcessServer{URL: url, Result: result, Log: logs}
}

// TestServeSlowClientsAreCut: a client that sends half its headers, or its
// body a byte at a time (slowloris), has its connection closed once the
// configured timeout passes, while a normal request on the same server is
// answered.
func TestServeSlowClientsAreCut(t *testing.T) {
	const timeout = 400 * time.Millisecond
	url := serveLimited(t, "--read-header-timeout", timeout.String(), "--read-timeout", (2 * timeout).String())
	addr := strings.TrimPrefix(url, "http://")

	cases := []struct {
		name    string
		send    string        // written at once
		trickle bool          // then one byte every 100ms until closed
		within  time.Duration // the server closes by then
	}{
		{"half the headers", "POST /subjects/s/versions HTTP/1.1\r\nHost: x\r\nContent-Type: applic", false, timeout},
		{"headers a byte at a time", "GET /subjects HTTP/1.1\r\n", true, timeout},
		{"body a byte at a time", "POST /subjects/s/versions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{", true, 2 * timeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			start := time.Now()
			if _, err := io.WriteString(conn, c.send); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			defer close(stop)
			if c.trickle {
				go func() {
					tick := time.NewTicker(100 * time.Millisecond)
					defer tick.Stop()
					for i := 0; i < 100; i++ { // at most 10s of trickling
						select {
						case <-stop:
							return
						case <-tick.C:
							if _, err := conn.Write([]byte("x")); err != nil {
								return
							}
						}
					}
				}()
			}
			// Read until the server closes; it may first answer 408/400.
			conn.SetReadDeadline(time.Now().Add(c.within + 5*time.Second))
			_, err = io.Copy(io.Discard, conn)
			took := time.Since(start)
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				t.Fatalf("connection still open after %s (timeout %s)", took, c.within)
			}
			if took < c.within*3/4 {
				t.Errorf("closed after %s, before the %s timeout", took, c.within)
			}
			if took > c.within+2*time.Second {
				t.Errorf("closed after %s; the timeout is %s", took, c.within)
			}
		})
	}

	// The server still serves ordinary clients.
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz after slow clients: %d", resp.StatusCode)
	}
}

// TestServeLimitFlags: a limit set by flag or BATON_* env reaches the
// registry (a publish over it is refused with the limit named), and bad
// values are usage errors.
func TestServeLimitFlags(t *testing.T) {
	url := serveLimited(t, "--max-properties", "3", "--max-versions", "2", "--max-number-digits", "3", "--max-number-exponent", "2", "--max-regex-total", "20")
	c := httpapi.NewClient(url)
	ctx := context.Background()
	for _, r := range []struct{ flag, schema, msg string }{
		{"--max-properties 3", `{"properties":{"a":{},"b":{},"c":{},"d":{}}}`, "the limit (max properties per object) is 3"},
		{"--max-number-digits 3", `{"maximum":1234}`, "/maximum: number 1234 is written with 4 digits; the limit (max number digits) is 3"},
		{"--max-number-exponent 2", `{"minimum":1e3}`, "/minimum: number 1e3 has exponent 3; the limit (max number exponent) is 2"},
		{"--max-regex-total 20", `{"pattern":"abcdefghij","propertyNames":{"pattern":"klmnopqrst"}}`, "/propertyNames/pattern: with this one, the schema's regular expressions reach"},
	} {
		_, err := c.Publish(ctx, registry.PublishRequest{Subject: "p", Schema: r.schema})
		if registry.ErrorKind(err) != registry.KindInvalid || !strings.Contains(err.Error(), r.msg) {
			t.Errorf("%s with %s: %v", r.schema, r.flag, err)
		}
	}
	for i := range 2 {
		if _, err := c.Publish(ctx, registry.PublishRequest{Subject: "v", Schema: fmt.Sprintf(`{"title":"t%d"}`, i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Publish(ctx, registry.PublishRequest{Subject: "v", Schema: `{"title":"t3"}`})
	if !strings.Contains(fmt.Sprint(err), `subject "v" has 2 versions; the limit (max versions per subject) is 2`) {
		t.Errorf("third version with --max-versions 2: %v", err)
	}

	for _, args := range [][]string{
		{"serve", "--max-versions", "0"},
		{"serve", "--max-named-versions", "0"},
		{"serve", "--max-regex-program", "many"},
		{"serve", "--max-number-exponent", "1e3"},
		{"serve", "--read-header-timeout", "5"},
		{"serve", "--idle-timeout", "-1s"},
	} {
		code, _, stderr := runCLI(t, "", args...)
		if code != 2 || !strings.Contains(stderr, "--"+strings.TrimPrefix(args[1], "--")) {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	var errOut strings.Builder
	getenv := func(k string) string {
		if k == "BATON_MAX_ENUM" {
			return "zero"
		}
		return ""
	}
	if code := run(context.Background(), []string{"serve"}, getenv, strings.NewReader(""), io.Discard, &errOut); code != 2 || !strings.Contains(errOut.String(), "--max-enum") {
		t.Errorf("BATON_MAX_ENUM=zero: exit %d, %q", code, errOut.String())
	}
}

// TestServeNamedVersionsFlag: --max-named-versions, else
// BATON_MAX_NAMED_VERSIONS, else the default reaches registry.Options.
func TestServeNamedVersionsFlag(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		args      []string
		want      int
	}{
		{"default", "", nil, registry.DefaultMaxNamedVersions},
		{"flag", "", []string{"--max-named-versions", "10"}, 10},
		{"env", "20", nil, 20},
		{"flag over env", "20", []string{"--max-named-versions", "10"}, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			getenv := func(k string) string {
				if k == "BATON_MAX_NAMED_VERSIONS" {
					return tc.env
				}
				return ""
			}
			parse := addLimitFlags(fs, env{getenv: getenv})
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			l, err := parse()
			if err != nil {
				t.Fatal(err)
			}
			if got := l.options(nil).MaxNamedVersions; got != tc.want {
				t.Errorf("MaxNamedVersions = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestCLIRefsNeverLeaveTheDocument: diff, validate and check on schemas
// whose $ref names a file, a URL on a listening local server, or a
// relative path all exit 2 with a clear message, and the listener is
// never contacted.
func TestCLIRefsNeverLeaveTheDocument(t *testing.T) {
	var hits atomic.Int64
	bait := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"type":"string"}`))
	}))
	t.Cleanup(bait.Close)

	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// other.json exists next to the schemas: a loader that read relative
	// files would find it.
	write("schemas/other.json", `{"type":"string"}`)
	good := write("schemas/good.json", `{"type":"object"}`)
	doc := write("doc.json", `{"a":"x"}`)
	refs := map[string]string{
		"file":     "file:///etc/passwd",
		"http":     bait.URL + "/x.json",
		"parent":   "../../etc/passwd",
		"relative": "other.json",
	}
	for name, ref := range refs {
		schema := write("schemas/"+name+".json", `{"type":"object","properties":{"a":{"$ref":"`+ref+`"}}}`)
		for _, args := range [][]string{
			{"diff", good, schema},
			{"diff", schema, good},
			{"validate", schema, doc},
		} {
			code, stdout, stderr := runCLI(t, "", args...)
			if code != 2 || !strings.Contains(stderr, "external $ref is not allowed") {
				t.Errorf("%s %s: exit %d\nstdout %s\nstderr %s", args[0], name, code, stdout, stderr)
			}
		}
	}

	// check on a manifest whose owned schema has such a $ref, against a
	// real registry: refused, by the CLI or by the registry.
	reg := serveLimited(t)
	for name := range refs {
		mdir := filepath.Join(dir, "svc-"+name)
		write("svc-"+name+"/baton.yaml", "service: orders\nevents:\n  produces:\n    - name: OrderPlaced\n      schema: order.json\n")
		data, err := os.ReadFile(filepath.Join(dir, "schemas", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		write("svc-"+name+"/order.json", string(data))
		code, stdout, stderr := runCLI(t, "", "check", "--registry", reg, filepath.Join(mdir, "baton.yaml"))
		if code != 2 || !strings.Contains(stderr+stdout, "external $ref is not allowed") {
			t.Errorf("check %s: exit %d\nstdout %s\nstderr %s", name, code, stdout, stderr)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the CLI contacted the listener %d times", n)
	}
}

// TestServeReadOnlyDataFile: serve on a data file it cannot write (issue
// 14 #8) starts, says so, serves reads and answers writes 503 / 50001
// naming the file, instead of exiting.
func TestServeReadOnlyDataFile(t *testing.T) {
	dir := t.TempDir()
	st, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetConfig(context.Background(), "", registry.Config{Mode: compat.Full}); err != nil {
		t.Fatal(err)
	}
	file := st.Path()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	testfs.ReadOnly(t, dir, file)

	ctx, cancel := context.WithCancel(context.Background())
	s := startServe(t, ctx, "--data", dir)
	defer func() {
		cancel()
		if err := <-s.Result; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	get, err := http.Get(s.URL + "/config")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if get.StatusCode != 200 || !strings.Contains(string(body), "FULL") {
		t.Errorf("GET /config: %d %s", get.StatusCode, body)
	}
	post, err := http.Post(s.URL+"/subjects/orders/versions", "application/json", strings.NewReader(`{"schema":"{}","schemaType":"JSON"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(post.Body)
	post.Body.Close()
	if post.StatusCode != 503 || !strings.Contains(string(body), `"error_code":50001`) || !strings.Contains(string(body), file+" is read-only") {
		t.Errorf("publish: %d %s, want 503 50001 naming %s", post.StatusCode, body, file)
	}
}
