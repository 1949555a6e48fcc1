// Command baton-load measures a running Baton registry on this machine:
// GET /schemas/ids/{id}, compatibility checks of a 50-property schema
// against the latest version (repeated or ever-new), and registrations to
// distinct subjects. It only talks to loopback addresses, and every run is
// bounded by a duration or a request count.
//
//	baton serve --addr 127.0.0.1:8081 --data /tmp/baton-load &
//	baton-load --url http://127.0.0.1:8081 --scenario get-by-id -c 32 --duration 10s
//	baton-load --scenario compat -c 32            # the same proposal each time
//	baton-load --scenario compat --fresh -c 32    # a new proposal each time
//	baton-load --scenario register -c 8           # a new schema per subject
//	baton-load --scenario register --same -c 8    # one schema under many subjects
//	baton-load --scenario compat --fresh --server-pid $(pgrep -n baton)  # also CPU per request
//	baton-load --scenario get-by-id --floor -c 32  # then a bare net/http server, same bytes
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/batonhq/baton/internal/eventschema"
)

// maxDuration bounds a run whatever the flags say.
const maxDuration = 10 * time.Minute

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	base       string
	scenario   string
	conc       int
	duration   time.Duration
	n          int64
	fresh      bool
	same       bool
	properties int
	serverPID  int
	floor      bool
	serveBody  string
	listen     string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("baton-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.base, "url", "http://127.0.0.1:8081", "registry URL (loopback only: 127.0.0.1, localhost or [::1])")
	fs.StringVar(&cfg.scenario, "scenario", "get-by-id", "get-by-id, compat or register")
	fs.IntVar(&cfg.conc, "c", 32, "concurrent connections")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to run (at most 10m); ignored when -n is set")
	fs.Int64Var(&cfg.n, "n", 0, "total requests to send instead of running for --duration")
	fs.BoolVar(&cfg.fresh, "fresh", false, "compat: send a different schema each time (new description and field), so the server must compile every proposal")
	fs.BoolVar(&cfg.same, "same", false, "register: register one schema under every subject (a write per request, no compile)")
	fs.IntVar(&cfg.properties, "properties", 50, "compat: properties in the checked schema")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "process id of the server, when it runs on this machine: also report its CPU time per request (from /proc)")
	fs.BoolVar(&cfg.floor, "floor", false, "get-by-id: then load a bare net/http server (a child process) answering the same bytes, and report the registry's req/s as a share of it")
	fs.StringVar(&cfg.serveBody, "serve-body", "", "serve this file's bytes to every GET on --listen (the floor server; --floor starts it)")
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:0", "with --serve-body: the loopback address to listen on")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cfg.serveBody != "" {
		if err := serveBody(ctx, cfg.serveBody, cfg.listen, stdout); err != nil {
			fmt.Fprintln(stderr, "baton-load:", err)
			return 2
		}
		return 0
	}
	if cfg.floor && cfg.scenario != "get-by-id" {
		fmt.Fprintln(stderr, "baton-load: --floor needs --scenario get-by-id")
		return 2
	}
	if err := cfg.valid(); err != nil {
		fmt.Fprintln(stderr, "baton-load:", err)
		return 2
	}
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        cfg.conc,
			MaxIdleConnsPerHost: cfg.conc,
			MaxConnsPerHost:     cfg.conc,
			DisableCompression:  true,
		},
	}
	sc, ok := scenarios[cfg.scenario]
	if !ok {
		fmt.Fprintf(stderr, "baton-load: unknown --scenario %q (want get-by-id, compat or register)\n", cfg.scenario)
		return 2
	}
	u, _ := url.Parse(cfg.base) // valid() parsed it already
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	lg := &loader{cfg: cfg, client: client, nonce: strconv.FormatInt(time.Now().UnixNano(), 36),
		addr: addr, host: u.Host, prefix: strings.TrimRight(u.Path, "/")}
	next, err := sc(ctx, lg)
	if err != nil {
		fmt.Fprintln(stderr, "baton-load: setup:", err)
		return 2
	}
	cpu, err := startCPU(cfg.serverPID)
	if err != nil {
		fmt.Fprintln(stderr, "baton-load:", err)
		return 2
	}
	res := lg.run(ctx, next)
	res.print(stdout, cfg)
	cpu.report(stdout, len(res.latencies))
	if res.errors > 0 {
		return 1
	}
	if cfg.floor {
		fl, err := runFloor(ctx, lg, next(0), res, stdout)
		if err != nil {
			fmt.Fprintln(stderr, "baton-load:", err)
			return 2
		}
		if fl.errors > 0 {
			return 1
		}
	}
	return 0
}

func (c config) valid() error {
	u, err := url.Parse(c.base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("--url %q is not an http URL", c.base)
	}
	if !loopback(u.Hostname()) {
		return fmt.Errorf("--url %q: only loopback hosts (127.0.0.1, localhost, [::1]) may be loaded", c.base)
	}
	switch {
	case c.conc < 1 || c.conc > 1024:
		return fmt.Errorf("-c must be between 1 and 1024")
	case c.n < 0:
		return fmt.Errorf("-n must not be negative")
	case c.n == 0 && (c.duration <= 0 || c.duration > maxDuration):
		return fmt.Errorf("--duration must be between 0 and %s", maxDuration)
	case c.properties < 1 || c.properties > 10000:
		return fmt.Errorf("--properties must be between 1 and 10000")
	case c.serverPID < 0:
		return fmt.Errorf("--server-pid must be a process id")
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// request is one call a worker makes; ok says whether the answer counts.
type request struct {
	method, path string
	body         []byte
}

// scenario prepares the registry and returns the generator of requests
// (called concurrently with increasing sequence numbers).
type scenario func(ctx context.Context, lg *loader) (func(seq int64) request, error)

var scenarios = map[string]scenario{
	"get-by-id": scenarioGetByID,
	"compat":    scenarioCompat,
	"register":  scenarioRegister,
}

func scenarioGetByID(ctx context.Context, lg *loader) (func(int64) request, error) {
	id, err := lg.register(ctx, "baton-load-get-"+lg.nonce, eventschema.Object(lg.cfg.properties, "get-by-id "+lg.nonce, 0))
	if err != nil {
		return nil, err
	}
	path := "/schemas/ids/" + strconv.FormatInt(id, 10)
	return func(int64) request { return request{method: http.MethodGet, path: path} }, nil
}

func scenarioCompat(ctx context.Context, lg *loader) (func(int64) request, error) {
	subject := "baton-load-compat-" + lg.nonce
	base := eventschema.Object(lg.cfg.properties, "compat "+lg.nonce, 0)
	if _, err := lg.register(ctx, subject, base); err != nil {
		return nil, err
	}
	path := "/compatibility/subjects/" + url.PathEscape(subject) + "/versions/latest"
	if !lg.cfg.fresh {
		body := schemaBody(base)
		return func(int64) request { return request{method: http.MethodPost, path: path, body: body} }, nil
	}
	return func(seq int64) request {
		// A new description and one more optional field each time: every
		// proposal has a new fingerprint and must be compiled.
		return request{method: http.MethodPost, path: path, body: schemaBody(eventschema.Object(lg.cfg.properties, "compat "+lg.nonce, seq+1))}
	}, nil
}

// scenarioRegister publishes to a new subject each time: by default a new
// schema (compiled, new id), with --same one schema (deduplicated to one
// id, so each request is just a durable write).
func scenarioRegister(ctx context.Context, lg *loader) (func(int64) request, error) {
	same := schemaBody(eventschema.Object(8, "register "+lg.nonce, 0))
	return func(seq int64) request {
		subject := "baton-load-reg-" + lg.nonce + "-" + strconv.FormatInt(seq, 10)
		body := same
		if !lg.cfg.same {
			body = schemaBody(eventschema.Object(8, subject, 0))
		}
		return request{method: http.MethodPost, path: "/subjects/" + url.PathEscape(subject) + "/versions", body: body}
	}, nil
}

func schemaBody(schema string) []byte {
	data, _ := json.Marshal(map[string]string{"schema": schema, "schemaType": "JSON"})
	return data
}

type loader struct {
	cfg    config
	client *http.Client // for setup; the measured requests use conn
	nonce  string
	addr   string // host:port of cfg.base
	host   string // its Host header
	prefix string // its path, without a trailing slash
}

// register publishes schema under subject and returns its id.
func (lg *loader) register(ctx context.Context, subject, schema string) (int64, error) {
	status, body, err := lg.do(ctx, request{method: http.MethodPost, path: "/subjects/" + url.PathEscape(subject) + "/versions", body: schemaBody(schema)})
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("register %s: %d %s", subject, status, body)
	}
	var out struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return 0, fmt.Errorf("register %s: %v", subject, err)
	}
	return out.ID, nil
}

func (lg *loader) do(ctx context.Context, r request) (int, []byte, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, strings.TrimRight(lg.cfg.base, "/")+r.path, body)
	if err != nil {
		return 0, nil, err
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	resp, err := lg.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, data, err
}

type result struct {
	elapsed   time.Duration
	latencies []time.Duration
	errors    int64
	firstErr  string
}

// run drives cfg.conc workers until the duration passes or n requests
// were sent.
func (lg *loader) run(ctx context.Context, next func(int64) request) result {
	limit := maxDuration // -n runs are bounded in time too
	if lg.cfg.n == 0 {
		limit = lg.cfg.duration
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	deadline, _ := ctx.Deadline()
	// ended is true once the run is over; connections time out exactly at
	// the deadline, which may be a moment before ctx says it is done.
	ended := func() bool { return ctx.Err() != nil || !time.Now().Before(deadline) }
	var (
		seq      atomic.Int64
		errs     atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
		mu       sync.Mutex
		all      []time.Duration
	)
	start := time.Now()
	for range lg.cfg.conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cn := newConn(lg.addr, lg.host, lg.prefix)
			defer cn.close()
			stop := context.AfterFunc(ctx, cn.interrupt)
			defer stop()
			lat := make([]time.Duration, 0, 4096)
			for !ended() {
				i := seq.Add(1) - 1
				if lg.cfg.n > 0 && i >= lg.cfg.n {
					break
				}
				t0 := time.Now()
				status, body, err := cn.do(ctx, next(i))
				if err != nil && ended() {
					break // the run ended mid-request: not an error of the server
				}
				lat = append(lat, time.Since(t0))
				if err != nil || status < 200 || status > 299 {
					errs.Add(1)
					msg := fmt.Sprintf("status %d: %s", status, truncate(body, 200))
					if err != nil {
						msg = err.Error()
					}
					firstErr.CompareAndSwap(nil, msg)
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := result{elapsed: time.Since(start), latencies: all, errors: errs.Load()}
	if s, ok := firstErr.Load().(string); ok {
		res.firstErr = s
	}
	return res
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

func (r result) print(w io.Writer, cfg config) {
	slices.Sort(r.latencies)
	pct := func(p float64) time.Duration {
		if len(r.latencies) == 0 {
			return 0
		}
		i := int(p * float64(len(r.latencies)-1))
		return r.latencies[i]
	}
	name := cfg.scenario
	if cfg.fresh && cfg.scenario == "compat" {
		name += " (fresh)"
	}
	if cfg.same && cfg.scenario == "register" {
		name += " (same schema)"
	}
	n := len(r.latencies)
	rate := float64(n) / r.elapsed.Seconds()
	fmt.Fprintf(w, "scenario %s  c=%d  %d requests in %.2fs\n", name, cfg.conc, n, r.elapsed.Seconds())
	fmt.Fprintf(w, "req/s %.0f  p50 %s  p90 %s  p99 %s  max %s  errors %d\n",
		rate, ms(pct(.50)), ms(pct(.90)), ms(pct(.99)), ms(pct(1)), r.errors)
	if r.firstErr != "" {
		fmt.Fprintf(w, "first error: %s\n", r.firstErr)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
