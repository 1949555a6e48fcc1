// Package testredis starts a private redis-server for a test: on a free
// 127.0.0.1 port, in t.TempDir(), without RDB snapshots, optionally with an
// fsync-always AOF, stopped by t.Cleanup. It never touches a Redis that the
// machine already runs (e.g. on 6379).
//
// Without a redis-server binary (on PATH, or named by BATON_REDIS_SERVER) the
// test is skipped, unless BATON_REQUIRE_REDIS is set: then it fails, so CI
// cannot skip these tests silently.
package testredis

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long Start and Restart wait for PONG.
const startTimeout = 15 * time.Second

// Option configures Start.
type Option func(*config)

type config struct {
	aof     bool
	cluster bool
	monitor int // sentinel mode: the port of the master it monitors as SentinelMaster
}

// WithAOF turns on the append-only file with appendfsync always, so every
// write Redis acknowledged survives Kill and comes back on Restart.
func WithAOF() Option { return func(c *config) { c.aof = true } }

// WithCluster starts the server in cluster mode as a one-node cluster that
// owns all 16384 slots. Redis then refuses any command or script whose keys
// span two hash slots (CROSSSLOT), which is how tests prove a store's slot
// discipline without several machines. Use ClusterURL to connect.
func WithCluster() Option { return func(c *config) { c.cluster = true } }

// Server is a running (or killed) redis-server owned by one test.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	bus  int // cluster bus port (WithCluster)
	cfg  config

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

// Start starts redis-server and waits until it answers PING.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin := os.Getenv("BATON_REDIS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			if os.Getenv("BATON_REQUIRE_REDIS") != "" {
				t.Fatalf("testredis: redis-server not found on PATH and BATON_REQUIRE_REDIS is set (apt-get install redis-server)")
			}
			t.Skip("testredis: redis-server not found on PATH; install it (apt-get install redis-server) or set BATON_REDIS_SERVER; set BATON_REQUIRE_REDIS=1 to fail instead of skipping")
		}
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	for _, o := range opts {
		o(&s.cfg)
	}
	if s.cfg.cluster {
		// --cluster-port and CLUSTER ADDSLOTSRANGE arrived in Redis 7.0.
		if major, v := serverMajor(bin); major < 7 {
			t.Skipf("testredis: a one-node cluster needs redis-server >= 7.0, have %q", v)
		}
	}
	t.Cleanup(s.stop)
	var err error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken before redis binds it
		if s.port, err = freePort(); err != nil {
			t.Fatalf("testredis: %v", err)
		}
		if s.cfg.cluster {
			if s.bus, err = freePort(); err != nil {
				t.Fatalf("testredis: %v", err)
			}
		}
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("testredis: %v", err)
	return nil
}

// Addr is "127.0.0.1:<port>".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is "redis://127.0.0.1:<port>/0".
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// ClusterURL is "redis+cluster://127.0.0.1:<port>" (see redisstore.ParseURL).
func (s *Server) ClusterURL() string { return "redis+cluster://" + s.Addr() }

// Dir is the server's working directory (AOF and log live there).
func (s *Server) Dir() string { return s.dir }

// Kill stops the server with SIGKILL, as a crash would, and waits for it to
// be gone. Restart brings it back.
func (s *Server) Kill() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

// Pause freezes the server with SIGSTOP: connections stay open but nothing
// answers, as with a hung host. Resume (or Kill, or the test's end) undoes it.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server with SIGCONT.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.t.Fatalf("testredis: %v to a server that is not running", sig)
	}
	if err := syscall.Kill(-s.cmd.Process.Pid, sig); err != nil {
		s.t.Fatalf("testredis: %v: %v", sig, err)
	}
}

// Restart starts the server again on the same port and directory (so an
// AOF is replayed) and waits until it answers PING. It kills a running one first.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	s.killLocked()
	s.mu.Unlock()
	if err := s.start(); err != nil {
		s.t.Fatalf("testredis: restart: %v", err)
	}
}

// SentinelMaster is the name under which a Sentinel monitors its master.
const SentinelMaster = "mymaster"

// StartSentinel starts a redis-server in sentinel mode, on its own free port
// and temp dir, monitoring master as SentinelMaster, and waits until it
// answers. SentinelURL is the address a client uses.
func StartSentinel(t testing.TB, master *Server) *Server {
	t.Helper()
	s := &Server{t: t, bin: master.bin, dir: t.TempDir(), cfg: config{monitor: master.port}}
	t.Cleanup(s.stop)
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if s.port, err = freePort(); err != nil {
			t.Fatalf("testredis: %v", err)
		}
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("testredis: sentinel: %v", err)
	return nil
}

// SentinelURL is "redis+sentinel://127.0.0.1:<port>/mymaster/0" for a
// server started by StartSentinel (see redisstore.ParseURL).
func (s *Server) SentinelURL() string {
	return "redis+sentinel://" + s.Addr() + "/" + SentinelMaster + "/0"
}

func (s *Server) start() error {
	if s.cfg.monitor != 0 {
		// A sentinel needs a writable config file; it rewrites it.
		conf := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nlogfile %s\n"+
			"sentinel monitor %s 127.0.0.1 %d 1\nsentinel down-after-milliseconds %s 60000\n",
			s.port, s.dir, filepath.Join(s.dir, "redis.log"), SentinelMaster, s.cfg.monitor, SentinelMaster)
		path := filepath.Join(s.dir, "sentinel.conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			return err
		}
		return s.run([]string{path, "--sentinel"})
	}
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--logfile", filepath.Join(s.dir, "redis.log"),
		"--save", "",
		"--daemonize", "no",
		"--protected-mode", "yes",
		"--unixsocket", "",
		"--auto-aof-rewrite-percentage", "0", // no forked rewrite children
	}
	if s.cfg.aof {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	if s.cfg.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-port", strconv.Itoa(s.bus),
			"--cluster-announce-ip", "127.0.0.1")
	}
	return s.run(args)
}

// run starts the process with args and waits until it is ready.
func (s *Server) run(args []string) error {
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Kill reaches any child too
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %v", s.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()

	deadline := time.Now().Add(startTimeout)
	for {
		if err := ping(s.Addr(), cmd.Process.Pid); err == nil {
			if !s.cfg.cluster {
				return nil
			}
			if err := clusterReady(s.Addr()); err == nil {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server on port %d exited at start; log:\n%s", s.port, s.logTail())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("redis-server on port %d did not answer PING within %v; log:\n%s", s.port, startTimeout, s.logTail())
		}
	}
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.t.Errorf("testredis: redis-server pid %d did not exit after SIGKILL", s.cmd.Process.Pid)
	}
	s.cmd = nil
}

func (s *Server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// clusterReady gives a one-node cluster all slots (once: a restart reads
// them back from nodes.conf) and reports whether cluster_state is ok.
func clusterReady(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	// ADDSLOTSRANGE fails harmlessly ("already busy") when the slots are assigned.
	if _, err := c.Write([]byte("CLUSTER ADDSLOTSRANGE 0 16383\r\nCLUSTER INFO\r\n")); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil {
		return err
	}
	head, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(head, "$")))
	if err != nil || n <= 0 || n > 1<<20 {
		return fmt.Errorf("CLUSTER INFO answered %q", strings.TrimSpace(head))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return err
	}
	if !strings.Contains(string(body), "cluster_state:ok") {
		return fmt.Errorf("cluster not ready")
	}
	return nil
}

// serverMajor returns the major version of a redis-server binary (0 if unknown).
func serverMajor(bin string) (int, string) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return 0, err.Error()
	}
	v := strings.TrimSpace(string(out))
	_, after, ok := strings.Cut(v, " v=")
	if !ok {
		return 0, v
	}
	major, _, _ := strings.Cut(after, ".")
	n, _ := strconv.Atoi(major)
	return n, v
}

// freePort asks the kernel for a free 127.0.0.1 port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ping sends an inline PING and wants +PONG (not -LOADING while an AOF
// loads), then checks with INFO that the server on addr is process pid, so a
// foreign server that grabbed the port is never mistaken for ours.
func ping(addr string, pid int) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\nINFO server\r\n")); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	head, err := r.ReadString('\n') // $<length>
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(head, "$")))
	if err != nil || n <= 0 || n > 1<<20 {
		return fmt.Errorf("INFO answered %q", strings.TrimSpace(head))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return err
	}
	want := "process_id:" + strconv.Itoa(pid) + "\r\n"
	if !strings.Contains(string(body), want) {
		return fmt.Errorf("the server on %s is not process %d", addr, pid)
	}
	return nil
}
