package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/registry/httpapi"
)

// TestServeSIGTERMFinishesInFlightPublish runs the real binary: a publish
// whose body is half sent when SIGTERM arrives still gets its 200, the
// process then exits 0, and after a restart on the same data the publish
// is there.
func TestServeSIGTERMFinishesInFlightPublish(t *testing.T) {
	bin := buildBaton(t)
	data := t.TempDir()
	srv := startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--data", data, "--log-level", "warn")
	if srv.URL == "" {
		t.Fatalf("server exited early:\n%s", srv.logs())
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"schema":"{\"type\":\"object\",\"title\":\"in flight\"}"}`
	fmt.Fprintf(conn, "POST /subjects/late/versions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:12])
	// The handler is running once the server has read the headers; give
	// it a moment, then ask the process to stop.
	time.Sleep(300 * time.Millisecond)
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.done:
		t.Fatalf("process exited with a publish in flight:\n%s", srv.logs())
	case <-time.After(500 * time.Millisecond):
	}

	io.WriteString(conn, body[12:])
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight publish got no answer: %v\n%s", err, srv.logs())
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(answer), `"version":1`) {
		t.Fatalf("in-flight publish: %d %s", resp.StatusCode, answer)
	}
	if code := srv.wait(30 * time.Second); code != 0 {
		t.Errorf("exit after SIGTERM: %d, want 0\n%s", code, srv.logs())
	}

	again := startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--data", data, "--log-level", "warn")
	if again.URL == "" {
		t.Fatalf("restart failed:\n%s", again.logs())
	}
	sv, err := httpapi.NewClient(again.URL).GetVersion(context.Background(), "late", "1", false)
	if err != nil || !strings.Contains(sv.Schema.Text, "in flight") {
		t.Errorf("after restart: %+v %v", sv, err)
	}
	if err := again.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	again.wait(30 * time.Second)
}
