package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

// startInFlightPublish sends the headers of a publish of body to subject,
// asking for 100-continue, and returns once the server's handler has begun
// to read the body (the server answers 100 Continue then): the request is
// in flight. finish sends the body and returns the final answer.
func startInFlightPublish(t *testing.T, url, subject, body string) (finish func() (status int, answer string)) {
	t.Helper()
	conn, br, resp := rawRequest(t, url, fmt.Sprintf("POST /subjects/%s/versions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", subject, len(body)))
	if resp.StatusCode != http.StatusContinue {
		t.Fatalf("publish in flight: want 100 Continue, got %s", resp.Status)
	}
	return func() (int, string) {
		t.Helper()
		io.WriteString(conn, body)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("in-flight publish got no answer: %v", err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(answer)
	}
}

// idleConnClosed leaves a keep-alive connection to url idle after one
// request; the channel is closed when the server closes it, which
// http.Server.Shutdown does to idle connections as soon as it has stopped
// listening: the signal that shutdown has begun.
func idleConnClosed(t *testing.T, url string) <-chan struct{} {
	t.Helper()
	_, br, resp := rawRequest(t, url, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /healthz: %s", resp.Status)
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		br.ReadByte() // blocks until the server closes the connection (or the deadline)
	}()
	return closed
}

// rawRequest opens a connection to url (closed when the test ends, at the
// latest after a minute), writes head as is and reads the first answer.
func rawRequest(t *testing.T, url, head string) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(time.Minute))
	io.WriteString(conn, head)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("%s: no answer: %v", strings.SplitN(head, "\r", 2)[0], err)
	}
	return conn, br, resp
}

// buildBaton builds the real binary into a temp dir.
func buildBaton(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the real binary")
	}
	bin := filepath.Join(t.TempDir(), "baton")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is a running `baton serve` process.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	URL    string
	done   chan struct{} // closed when the process has exited
	mu     sync.Mutex
	stderr strings.Builder
}

var listeningRE = regexp.MustCompile(`^baton: listening on (http://\S+)$`)

// startProcess starts `baton serve` with args and env (added to ours) and
// stops it, if still running, when the test ends.
func startProcess(t *testing.T, bin string, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, done: make(chan struct{})}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.stderr.WriteString(line + "\n")
			s.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				listening <- m[1]
			}
		}
		cmd.Wait() // after the pipe is drained, as os/exec requires
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			cmd.Process.Kill()
			<-s.done
		}
	})
	s.waitListening(listening)
	return s
}

func (s *server) waitListening(listening chan string) {
	select {
	case s.URL = <-listening:
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.t.Fatalf("server did not report its address; stderr:\n%s", s.logs())
	}
}

func (s *server) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// wait returns the exit code once the process has exited.
func (s *server) wait(timeout time.Duration) int {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(timeout):
		s.t.Fatalf("process still running after %s; stderr:\n%s", timeout, s.logs())
	}
	return s.cmd.ProcessState.ExitCode()
}

func TestServeKeepsAcknowledgedWritesAcrossKill9(t *testing.T) {
	bin := buildBaton(t)
	data := t.TempDir()
	ctx := context.Background()

	srv := startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--data", data)
	if srv.URL == "" {
		t.Fatalf("server exited early:\n%s", srv.logs())
	}
	c := httpapi.NewClient(srv.URL)
	type written struct {
		subject string
		version int
		id      int64
		schema  string
	}
	var acked []written
	for i, subject := range []string{"OrderPlaced", "InventoryReserved", "PaymentCompleted", "OrderShipped"} {
		schema := `{"type":"object","properties":{"id":{"type":"string"},"n` + string(rune('a'+i)) + `":{"type":"integer"}}}`
		sv, err := c.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, written{subject, sv.Version.Version, sv.SchemaID, schema})
	}
	// A compatible second version (widening) and a subject config.
	v2 := `{"type":"object","properties":{"id":{"type":["string","null"]},"na":{"type":"integer"}}}`
	sv, err := c.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: v2})
	if err != nil {
		t.Fatal(err)
	}
	acked = append(acked, written{"OrderPlaced", sv.Version.Version, sv.SchemaID, v2})
	if _, err := c.SetConfig(ctx, "OrderShipped", registry.Config{Mode: compat.Full, Policy: compat.Lenient}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteVersion(ctx, "PaymentCompleted", "1", false); err != nil {
		t.Fatal(err)
	}

	// kill -9: no chance to flush or close anything.
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.wait(10 * time.Second)

	// Restart on the same data, configured through the environment.
	srv = startProcess(t, bin, []string{"BATON_ADDR=127.0.0.1:0", "BATON_DATA=" + data})
	if srv.URL == "" {
		t.Fatalf("restarted server exited early:\n%s", srv.logs())
	}
	c = httpapi.NewClient(srv.URL)
	for _, w := range acked {
		got, err := c.GetVersion(ctx, w.subject, strconv.Itoa(w.version), true)
		if err != nil {
			t.Errorf("%s v%d lost: %v", w.subject, w.version, err)
			continue
		}
		if got.SchemaID != w.id || got.Schema.Text != w.schema {
			t.Errorf("%s v%d: got id %d %s, want id %d %s", w.subject, w.version, got.SchemaID, got.Schema.Text, w.id, w.schema)
		}
		if s, err := c.SchemaByID(ctx, w.id); err != nil || s.Text != w.schema {
			t.Errorf("schema %d: %q %v", w.id, s.Text, err)
		}
	}
	subjects, err := c.Subjects(ctx, false)
	if err != nil || !cmp.Equal(subjects, []string{"InventoryReserved", "OrderPlaced", "OrderShipped"}) {
		t.Errorf("subjects after restart: %v %v (PaymentCompleted was soft-deleted)", subjects, err)
	}
	if vs, err := c.Versions(ctx, "OrderPlaced", false); err != nil || !cmp.Equal(vs, []int{1, 2}) {
		t.Errorf("OrderPlaced versions: %v %v", vs, err)
	}
	if cfg, err := c.GetConfig(ctx, "OrderShipped", false); err != nil || cfg != (registry.Config{Mode: compat.Full, Policy: compat.Lenient}) {
		t.Errorf("config after restart: %+v %v", cfg, err)
	}
	// Ids continue after the highest acknowledged one.
	next, err := c.Publish(ctx, registry.PublishRequest{Subject: "New", Schema: `{"type":"boolean"}`})
	if err != nil || next.SchemaID != acked[len(acked)-1].id+1 {
		t.Errorf("id after restart: %d %v, want %d", next.SchemaID, err, acked[len(acked)-1].id+1)
	}

	// A second server on the same data exits 2 with a clear message.
	second := startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--data", data)
	if code := second.wait(15 * time.Second); code != 2 {
		t.Errorf("second server on locked data: exit %d, want 2", code)
	}
	if !strings.Contains(second.logs(), "locked by another baton process") {
		t.Errorf("second server's message:\n%s", second.logs())
	}
	if second.URL != "" {
		t.Errorf("second server listened on %s", second.URL)
	}

	// SIGTERM: a clean exit that releases the data file.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := srv.wait(30 * time.Second); code != 0 {
		t.Errorf("exit after SIGTERM: %d, want 0\n%s", code, srv.logs())
	}
	if !strings.Contains(srv.logs(), "baton: stopped") {
		t.Errorf("no shutdown message:\n%s", srv.logs())
	}
	third := startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--data", data)
	if third.URL == "" {
		t.Fatalf("data file still locked after SIGTERM:\n%s", third.logs())
	}
	if ss, err := httpapi.NewClient(third.URL).Subjects(ctx, false); err != nil || len(ss) != 4 {
		t.Errorf("after SIGTERM restart: %v %v", ss, err)
	}
}

// TestServeGracefulShutdownOnContext runs cmdServe in-process: cancelling
// the context (what SIGTERM does through run) finishes and returns nil.
func TestServeGracefulShutdownOnContext(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := startServe(t, ctx, "--data", data, "--log-level", "warn")
	url, result := srv.URL, srv.Result
	c := httpapi.NewClient(url)
	if _, err := c.Publish(ctx, registry.PublishRequest{Subject: "s", Schema: `{"type":"string"}`}); err != nil {
		t.Fatal(err)
	}

	// A publish in flight when shutdown starts: its handler is running,
	// blocked reading the body.
	idle := idleConnClosed(t, url)
	inFlight := startInFlightPublish(t, url, "late", `{"schema":"{\"type\":\"integer\"}","schemaType":"JSON"}`)
	cancel()
	<-idle // the server stopped listening and is waiting for the publish
	select {
	case err := <-result:
		t.Fatalf("cmdServe returned with a request in flight: %v", err)
	default:
	}
	if status, answer := inFlight(); status != 200 || !strings.Contains(answer, `"version":1`) {
		t.Errorf("in-flight publish: %d %s", status, answer)
	}

	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("cmdServe after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("cmdServe did not return after its context was cancelled")
	}
	if _, err := c.Subjects(context.Background(), false); !errors.Is(err, registry.ErrUnavailable) {
		t.Errorf("server still answering after shutdown: %v", err)
	}
	// The in-flight publish was written before the store closed.
	st, err := boltstore.Open(data, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, err := st.Version(context.Background(), "late", 1, false); err != nil || v.SchemaID != 2 {
		t.Errorf("in-flight publish not stored: %+v %v", v, err)
	}
}

func TestServeUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "extra"},
		{"serve", "--max-body", "lots"},
		{"serve", "--max-body", "0"},
		{"serve", "--log-level", "loud"},
		{"serve", "--nope"},
	} {
		code, _, stderr := runCLI(t, "", args...)
		if code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a message", args, code, stderr)
		}
	}
	// A port already in use: exit 2, and the store is closed again.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := t.TempDir()
	code, _, stderr := runCLI(t, "", "serve", "--addr", ln.Addr().String(), "--data", data)
	if code != 2 || !strings.Contains(stderr, "cannot listen on "+ln.Addr().String()) {
		t.Errorf("port in use: exit %d, stderr %q", code, stderr)
	}
	st, err := boltstore.Open(data, boltstore.Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("data left locked after a failed start: %v", err)
	}
	st.Close()
}

func TestBufferedLog(t *testing.T) {
	var mu sync.Mutex
	var out strings.Builder
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return out.Write(p)
	})
	read := func() string {
		mu.Lock()
		defer mu.Unlock()
		return out.String()
	}
	b := newBufferedLog(w, nil) // no tick during this part
	b.Write([]byte("one\n"))
	if got := read(); got != "" {
		t.Errorf("written through at once: %q", got)
	}
	big := strings.Repeat("x", 40<<10)
	b.Write([]byte(big)) // over 32 KiB: flushed at once
	if got := read(); got != "one\n"+big {
		t.Errorf("a full buffer was not flushed at once (%d bytes out)", len(got))
	}
	b.Write([]byte("two\n"))
	b.Close()
	b.Close()
	b.Write([]byte("three\n")) // after Close: straight through
	if got := read(); got != "one\n"+big+"two\nthree\n" {
		t.Errorf("after Close: ...%q", got[max(0, len(got)-20):])
	}

	// A tick flushes what is pending. The flusher takes ticks one at a
	// time, so once a second tick is taken the first one's flush is done.
	out.Reset()
	tick := make(chan time.Time)
	b = newBufferedLog(w, tick)
	defer b.Close()
	b.Write([]byte("four\n"))
	if got := read(); got != "" {
		t.Errorf("flushed before a tick: %q", got)
	}
	tick <- time.Time{}
	tick <- time.Time{}
	if got := read(); got != "four\n" {
		t.Errorf("not flushed by the tick: %q", got)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
