package testredis

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// do sends one inline command and returns the first reply line (and, for
// a bulk string, its payload line).
func do(t *testing.T, addr, cmd string) (string, error) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "$") && line != "$-1" {
		payload, err := r.ReadString('\n')
		return strings.TrimSpace(payload), err
	}
	return line, nil
}

func TestAOFSurvivesKill(t *testing.T) {
	s := Start(t, WithAOF())
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") || s.Addr() == "127.0.0.1:6379" {
		t.Fatalf("Addr() = %q, want a private 127.0.0.1 port", s.Addr())
	}
	if got, want := s.URL(), "redis://"+s.Addr()+"/0"; got != want {
		t.Fatalf("URL() = %q, want %q", got, want)
	}
	if got, err := do(t, s.Addr(), "SET k v1"); err != nil || got != "+OK" {
		t.Fatalf("SET: %q, %v", got, err)
	}
	s.Kill()
	if _, err := do(t, s.Addr(), "PING"); err == nil {
		t.Fatal("PING succeeded after Kill")
	}
	s.Restart()
	if got, err := do(t, s.Addr(), "GET k"); err != nil || got != "v1" {
		t.Fatalf("GET after restart: %q, %v; want v1 (AOF replayed)", got, err)
	}
}

func TestNoAOFForgets(t *testing.T) {
	s := Start(t)
	if got, err := do(t, s.Addr(), "SET k v1"); err != nil || got != "+OK" {
		t.Fatalf("SET: %q, %v", got, err)
	}
	s.Restart() // kills the running server first
	if got, err := do(t, s.Addr(), "GET k"); err != nil || got != "$-1" {
		t.Fatalf("GET after restart without AOF: %q, %v; want nil", got, err)
	}
}

func TestTwoServersAreIsolated(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Addr() == b.Addr() || a.Dir() == b.Dir() {
		t.Fatalf("servers share %s / %s", a.Addr(), a.Dir())
	}
	if _, err := do(t, a.Addr(), "SET only-a 1"); err != nil {
		t.Fatal(err)
	}
	if got, err := do(t, b.Addr(), "EXISTS only-a"); err != nil || got != ":0" {
		t.Fatalf("EXISTS on b: %q, %v", got, err)
	}
}

func TestClusterRefusesCrossSlot(t *testing.T) {
	s := Start(t, WithCluster())
	if got, err := do(t, s.Addr(), "SET {a}x 1"); err != nil || got != "+OK" {
		t.Fatalf("SET in cluster mode: %q, %v", got, err)
	}
	got, err := do(t, s.Addr(), "MSET {a}x 1 {b}y 2")
	if err != nil || !strings.HasPrefix(got, "-CROSSSLOT") {
		t.Fatalf("MSET across slots: %q, %v; want -CROSSSLOT", got, err)
	}
	if got := s.ClusterURL(); got != "redis+cluster://"+s.Addr() {
		t.Fatalf("ClusterURL() = %q", got)
	}
}

func TestPauseResume(t *testing.T) {
	s := Start(t)
	s.Pause()
	start := time.Now()
	if _, err := do(t, s.Addr(), "PING"); err == nil {
		t.Fatal("a paused server answered PING")
	}
	if took := time.Since(start); took < time.Second {
		t.Fatalf("PING to a paused server failed after %v, want the 2s read deadline (it must hang, not refuse)", took)
	}
	s.Resume()
	if got, err := do(t, s.Addr(), "PING"); err != nil || got != "+PONG" {
		t.Fatalf("PING after Resume: %q, %v", got, err)
	}
	s.Pause() // the cleanup's SIGKILL must end a stopped server too
}

func TestSentinel(t *testing.T) {
	m := Start(t)
	sen := StartSentinel(t, m)
	got, err := do(t, sen.Addr(), "SENTINEL get-master-addr-by-name "+SentinelMaster)
	if err != nil || got != "*2" {
		t.Fatalf("SENTINEL get-master-addr-by-name: %q, %v", got, err)
	}
	if want := "redis+sentinel://" + sen.Addr() + "/mymaster/0"; sen.SentinelURL() != want {
		t.Fatalf("SentinelURL() = %q, want %q", sen.SentinelURL(), want)
	}
}
