package main

import (
	"context"
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

	idle := idleConnClosed(t, srv.URL)
	body := `{"schema":"{\"type\":\"object\",\"title\":\"in flight\"}","schemaType":"JSON"}`
	inFlight := startInFlightPublish(t, srv.URL, "late", body)
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-idle // the server stopped listening and is waiting for the publish
	select {
	case <-srv.done:
		t.Fatalf("process exited with a publish in flight:\n%s", srv.logs())
	default:
	}
	if status, answer := inFlight(); status != 200 || !strings.Contains(answer, `"version":1`) {
		t.Fatalf("in-flight publish: %d %s\n%s", status, answer, srv.logs())
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
