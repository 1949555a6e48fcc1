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
	"strconv"
	"strings"
)

// The floor is what a bare net/http server costs to answer the same GET
// with the same bytes and headers: the registry's read path is judged as a
// fraction of it. It runs in a process of its own, like the registry, so
// neither shares a Go scheduler with the load tool; baton-load starts it
// by running itself with --serve-body.

// childEnv marks a baton-load started as a floor server (tests re-run
// their own binary, which must then act as baton-load, see TestMain).
const childEnv = "BATON_LOAD_CHILD"

// serveBody answers every GET with the file's bytes as a registry JSON
// answer on listen (loopback only) until ctx ends or maxDuration passes.
// It prints "listening http://ADDR" once it accepts connections.
func serveBody(ctx context.Context, file, listen string, stdout io.Writer) error {
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil || !loopback(host) {
		return fmt.Errorf("--listen %q: want a loopback host:port", listen)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	length := strconv.Itoa(len(body))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		h.Set("Content-Length", length)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})}
	ctx, cancel := context.WithTimeout(ctx, maxDuration)
	defer cancel()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Fprintf(stdout, "listening http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// floorServer starts a child baton-load serving body and returns its base
// URL, its process id and a function that stops it.
func floorServer(ctx context.Context, body []byte) (string, int, func(), error) {
	f, err := os.CreateTemp("", "baton-load-floor-*.json")
	if err != nil {
		return "", 0, nil, err
	}
	defer os.Remove(f.Name()) // the child reads it before it says it listens
	if _, err := f.Write(body); err != nil {
		f.Close()
		return "", 0, nil, err
	}
	f.Close()
	self, err := os.Executable()
	if err != nil {
		return "", 0, nil, err
	}
	cmd := exec.CommandContext(ctx, self, "--serve-body", f.Name(), "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		stop()
		return "", 0, nil, fmt.Errorf("floor server did not start: %q %v", line, err)
	}
	return base, cmd.Process.Pid, stop, nil
}

// runFloor loads the floor with the registry run's request and prints it
// next to the registry's figures.
func runFloor(ctx context.Context, lg *loader, req request, reg result, stdout io.Writer) (result, error) {
	status, body, err := lg.do(ctx, req)
	if err != nil || status != http.StatusOK {
		return result{}, fmt.Errorf("floor: GET %s: status %d %v", req.path, status, err)
	}
	base, pid, stop, err := floorServer(ctx, body)
	if err != nil {
		return result{}, err
	}
	defer stop()
	cpu, err := startCPU(pid) // CPU per request: the share that holds on a busy machine
	if err != nil {
		return result{}, err
	}
	u := strings.TrimPrefix(base, "http://")
	floor := &loader{cfg: lg.cfg, client: lg.client, nonce: lg.nonce, addr: u, host: u}
	res := floor.run(ctx, func(int64) request { return request{method: req.method, path: req.path} })
	cfg := lg.cfg
	cfg.scenario = "floor (bare net/http, same answer)"
	res.print(stdout, cfg)
	cpu.report(stdout, len(res.latencies))
	if n := len(res.latencies); n > 0 && len(reg.latencies) > 0 {
		fmt.Fprintf(stdout, "registry/floor req/s %.0f%%\n",
			100*(float64(len(reg.latencies))/reg.elapsed.Seconds())/(float64(n)/res.elapsed.Seconds()))
	}
	return res, nil
}
