package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of utime and stime in /proc/PID/stat (USER_HZ,
// 100 on every Linux platform Go supports).
const clockTick = 10 * time.Millisecond

// procCPU returns the CPU time (user + system) process pid has used so
// far, from /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("--server-pid %d: %w (CPU accounting needs Linux /proc and a local server)", pid, err)
	}
	// The command name (field 2) may hold spaces; the fields after its
	// closing parenthesis are fixed: utime and stime are fields 14 and 15.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("--server-pid %d: unexpected /proc stat format", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("--server-pid %d: unexpected /proc stat format", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("--server-pid %d: unexpected /proc stat format", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// selfCPU is this process's CPU time (user + system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter measures the CPU the server and the load tool spend on a run.
// On a machine shared with other work req/s says how much CPU was left
// over; CPU per request says what a request costs, and with it how many
// requests per second the cores could serve.
type cpuMeter struct {
	pid          int // 0: the server is not measured
	server, self time.Duration
}

func startCPU(pid int) (*cpuMeter, error) {
	m := &cpuMeter{pid: pid, self: selfCPU()}
	if pid > 0 {
		var err error
		if m.server, err = procCPU(pid); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// report prints CPU per request for n requests since start.
func (m *cpuMeter) report(w io.Writer, n int) {
	if n == 0 {
		return
	}
	per := func(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d.Microseconds())/1000/float64(n)) }
	line := "cpu/req  load tool " + per(selfCPU()-m.self)
	if m.pid > 0 {
		if now, err := procCPU(m.pid); err == nil {
			line += "  server " + per(now-m.server)
		} else {
			line += "  server: " + err.Error()
		}
	}
	fmt.Fprintln(w, line)
}
