// Package benchcpu measures benchmarks in process CPU time. On a shared
// 2-core machine ns/op measures how much CPU the other tenants left; CPU
// per operation (user + system, every thread, GC included) is what a
// change moves.
package benchcpu

import (
	"syscall"
	"testing"
	"time"
)

// Now is the CPU time the process has used so far (0 if unknown).
func Now() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Report adds "cpu-ms/op", the process's CPU time per operation, to b.
// Call it after the set-up; it reports when the benchmark ends.
func Report(b *testing.B) {
	start := Now()
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64(Now()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		}
	})
}
