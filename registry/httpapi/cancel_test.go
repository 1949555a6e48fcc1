package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/internal/eventschema"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

// signalling wraps a Registry to tell the test when a check starts and
// when the server's work on it has returned.
type signalling struct {
	registry.Registry
	entered, done chan struct{}
}

func (s signalling) Check(ctx context.Context, req registry.CheckRequest) (compat.Report, error) {
	s.entered <- struct{}{}
	defer func() { s.done <- struct{}{} }()
	return s.Registry.Check(ctx, req)
}

// cpuTime is the process's user+system CPU time (Linux /proc/self/stat).
func cpuTime(t *testing.T) time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skipf("no /proc/self/stat: %v", err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64) // fields 14 and 15 of stat, after pid and comm
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// TestCheckStopsWhenClientHangsUp: a check that would run for minutes
// stops within a second of its client hanging up.
func TestCheckStopsWhenClientHangsUp(t *testing.T) {
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// A budget so large it never ends the check: only the context can.
	svc := registry.NewRegistrar(st, registry.Options{MaxCheckSteps: 1 << 50, MaxCheckMemory: 1 << 50})
	sig := signalling{Registry: svc, entered: make(chan struct{}, 1), done: make(chan struct{}, 1)}
	api := httpapi.NewServer(sig, httpapi.Options{})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)

	body := func(schema string) []byte {
		b, _ := json.Marshal(map[string]string{"schema": schema, "schemaType": "JSON"})
		return b
	}
	resp, err := http.Post(srv.URL+"/subjects/costly/versions", "application/json", bytes.NewReader(body(eventschema.CostlyWriter())))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("publish: %v %v", resp, err)
	}
	resp.Body.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reader := `{"type":"object","properties":{"p0":{"type":"string"}}}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/compatibility/subjects/costly/versions/latest", bytes.NewReader(body(reader)))
	req.Header.Set("Content-Type", "application/json")
	clientErr := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		clientErr <- err
	}()
	<-sig.entered
	// The check is underway once the process has spent CPU on it.
	start, deadline := cpuTime(t), time.Now().Add(30*time.Second)
	for cpuTime(t)-start < 300*time.Millisecond {
		select {
		case <-sig.done:
			t.Fatal("the check finished before the client hung up: it is not costly enough for this test")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the check used no CPU")
		}
		time.Sleep(10 * time.Millisecond) // polling CPU time, not synchronising
	}
	cancel()
	hungUp := time.Now()
	select {
	case <-sig.done:
		if d := time.Since(hungUp); d > time.Second {
			t.Errorf("the check went on %v after the client hung up", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the check still runs 10 s after the client hung up")
	}
	if err := <-clientErr; err == nil {
		t.Error("the cancelled request must fail on the client side")
	}
}
