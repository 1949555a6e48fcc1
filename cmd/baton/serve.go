package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

// shutdownGrace is how long in-flight requests may take to finish after
// SIGTERM before the server closes their connections.
const shutdownGrace = 20 * time.Second

func cmdServe(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "serve", "[--addr 127.0.0.1:8081] [--data ./baton-data | --redis redis://host:6379/0] [--max-body BYTES] [--log-level info]")
	addr := fs.String("addr", serveFlagEnv(e, "BATON_ADDR", "127.0.0.1:8081"), "address to listen on; port 0 picks a free one (env BATON_ADDR)")
	data := fs.String("data", serveFlagEnv(e, "BATON_DATA", "./baton-data"), "data directory of the embedded store (env BATON_DATA)")
	redisURL := fs.String("redis", e.getenv("BATON_REDIS"), "Redis URL of the shared store for several replicas, instead of --data:\nredis://, rediss://, redis+sentinel://h1,h2/master, redis+cluster://h1,h2 (env BATON_REDIS)")
	maxBody := fs.String("max-body", serveFlagEnv(e, "BATON_MAX_BODY", strconv.Itoa(httpapi.DefaultMaxBodyBytes)), "largest request body accepted, in bytes (env BATON_MAX_BODY)")
	logLevel := fs.String("log-level", serveFlagEnv(e, "BATON_LOG_LEVEL", "info"), "debug, info (logs every request), warn or error (env BATON_LOG_LEVEL)")
	authFile := fs.String("auth", e.getenv("BATON_AUTH"), "token file (YAML, see README \"Authentication\"); unset: no auth, everything open (env BATON_AUTH)")
	parseLimits := addLimitFlags(fs, e) // serve_limits.go: --max-* and --*-timeout
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	limits, err := parseLimits()
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve takes no arguments, got %q", strings.Join(pos, " "))
	}
	limit, err := strconv.ParseInt(*maxBody, 10, 64)
	if err != nil || limit <= 0 {
		return usagef("--max-body must be a positive number of bytes, not %q", *maxBody)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("--log-level must be debug, info, warn or error, not %q", *logLevel)
	}
	if e.getenv("GOGC") == "" {
		// The live heap is small (the caches are bounded): collecting at
		// 5x rather than 2x of it costs a few MB and saves ~10% CPU per
		// request. GOGC in the environment still decides when set.
		debug.SetGCPercent(400)
	}
	flushes := time.NewTicker(logFlushEvery)
	defer flushes.Stop()
	logOut := newBufferedLog(e.stderr, flushes.C)
	defer logOut.Close()
	log := slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: level}))

	tokens, err := loadTokens(*authFile)
	if err != nil {
		return err
	}
	dataSet := false
	fs.Visit(func(f *flag.Flag) { dataSet = dataSet || f.Name == "data" })
	if *redisURL != "" && dataSet {
		return usagef("--data and --redis exclude each other: pick the embedded store or Redis")
	}
	store, err := openStore(ctx, storeOptions{dataDir: *data, redisURL: *redisURL})
	if err != nil {
		return err
	}
	if ro, ok := store.(interface{ ReadOnly() bool }); ok && ro.ReadOnly() {
		// Serving reads beats not starting; writes answer 503 naming the file.
		fmt.Fprintf(e.stderr, "baton: the data file in %s is read-only: serving reads, refusing writes (503)\n", *data)
		log.Warn("data file is read-only: serving reads, writes answer 503", "data", *data)
	}
	svc := registry.NewRegistrar(store, limits.options(log))
	handler := httpapi.NewServer(svc, httpapi.Options{Logger: log, MaxBodyBytes: limit, Ready: svc.Ping, Auth: authorizer(tokens, svc)})
	log.Info("auth", "enabled", tokens != nil, "tokens", len(tokens))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return errors.Join(fmt.Errorf("cannot listen on %s: %w", *addr, err), store.Close())
	}
	srv := &http.Server{
		Handler:        handler,
		MaxHeaderBytes: 1 << 20,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	limits.timeouts.apply(srv)
	fmt.Fprintf(e.stderr, "baton: listening on http://%s\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served: // the listener failed; nothing is in flight
		return errors.Join(fmt.Errorf("server stopped: %w", err), store.Close())
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		shutdownErr = errors.Join(shutdownErr, err)
	}
	// The audit entries of the last writes are stored off the request
	// path; they go in before the store closes.
	if err := handler.Drain(sctx); err != nil {
		log.Error("audit entries of the last writes not stored before shutdown", "err", err)
	}
	// Only now, with no request left, is it safe to close the store.
	if err := store.Close(); err != nil {
		return errors.Join(shutdownErr, fmt.Errorf("closing the store: %w", err))
	}
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	logOut.Close()
	fmt.Fprintln(e.stderr, "baton: stopped")
	return nil
}

// serveFlagEnv returns the environment variable name, or def when it is unset.
func serveFlagEnv(e env, name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

// logFlushEvery bounds how long a log line may wait in the buffer.
const logFlushEvery = 200 * time.Millisecond

// bufferedLog batches log lines into few writes: at thousands of requests
// a second, one write(2) per access-log line costs the server ~15% of its
// throughput. Lines reach the output within logFlushEvery, when 32 KiB
// are pending, and on Close; a kill -9 loses at most the last interval.
type bufferedLog struct {
	mu     sync.Mutex
	out    io.Writer
	buf    []byte
	done   chan struct{}
	closed bool
	wg     sync.WaitGroup
}

// newBufferedLog buffers out, flushing on every tick (a ticker's channel;
// nil: only when full and on Close).
func newBufferedLog(out io.Writer, tick <-chan time.Time) *bufferedLog {
	b := &bufferedLog{out: out, buf: make([]byte, 0, 64<<10), done: make(chan struct{})}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			select {
			case <-tick:
				b.flush()
			case <-b.done:
				return
			}
		}
	}()
	return b
}

func (b *bufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.out.Write(p)
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= 32<<10 {
		b.flushLocked()
	}
	return len(p), nil
}

func (b *bufferedLog) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
}

func (b *bufferedLog) flushLocked() {
	if len(b.buf) > 0 {
		b.out.Write(b.buf) // nowhere to report a failing log output
		b.buf = b.buf[:0]
	}
}

// Close flushes and stops the background flusher; later writes go
// straight through. It may be called more than once.
func (b *bufferedLog) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.flushLocked()
	b.mu.Unlock()
	close(b.done)
	b.wg.Wait()
	return nil
}
