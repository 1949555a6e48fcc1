package httpapi

import (
	"bufio"
	"bytes"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The server's metrics are written in the Prometheus text exposition
// format (version 0.0.4) by hand rather than with client_golang: every
// `baton` process links this package, and client_golang with its protobuf
// model cost each `baton diff` several milliseconds of package
// initialisation and ~3 MB of binary for a handful of counters and two
// histograms that only `baton serve` ever exposes. The series, names and
// labels are client_golang's, so dashboards and scrape configs carry over.

// metrics are the server's series. The zero value is not usable: newMetrics.
type metrics struct {
	mu       sync.RWMutex
	requests map[requestKey]*atomic.Uint64 // by method, route template and status

	publish *histogram // POST /subjects/{subject}/versions
	check   *histogram // POST /compatibility/... and the dry runs
}

type requestKey struct {
	method, route string
	code          int
}

// latencyBuckets reach from 100µs (a cached compatibility check) to 10s.
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

func newMetrics() *metrics {
	return &metrics{
		requests: make(map[requestKey]*atomic.Uint64),
		publish: newHistogram("baton_publish_duration_seconds",
			"Time to answer a schema publish (compatibility check and durable write included).", latencyBuckets),
		check: newHistogram("baton_compat_check_duration_seconds",
			"Time to answer a compatibility check.", latencyBuckets),
	}
}

func (m *metrics) request(method, route string, status int) {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead:
	default:
		method = "OTHER" // clients choose methods: keep the label set bounded
	}
	k := requestKey{method, route, status}
	// The set of keys stops growing after the first requests, so the hot
	// path is a shared read lock and an atomic add, without allocating.
	m.mu.RLock()
	c := m.requests[k]
	m.mu.RUnlock()
	if c == nil {
		m.mu.Lock()
		if c = m.requests[k]; c == nil {
			c = new(atomic.Uint64)
			m.requests[k] = c
		}
		m.mu.Unlock()
	}
	c.Add(1)
}

// histogram is a Prometheus histogram with fixed upper bounds.
type histogram struct {
	name, help string
	bounds     []float64
	counts     []atomic.Uint64 // per bucket, not cumulative; the last is (max bound, +Inf)
	sumBits    atomic.Uint64   // math.Float64bits of the sum of observations
}

func newHistogram(name, help string, bounds []float64) *histogram {
	return &histogram{name: name, help: help, bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

// Observe records v (seconds).
func (h *histogram) Observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v) // first bound >= v: buckets are le
	h.counts[i].Add(1)
	for {
		old := h.sumBits.Load()
		if h.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// timed observes how long h takes in hist.
func timed(hist *histogram, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		hist.Observe(time.Since(start).Seconds())
	})
}

func handleMetrics(m *metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		m.write(&buf)
		writeGoMetrics(&buf)
		writeProcessMetrics(&buf)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		_, _ = w.Write(buf.Bytes())
	})
}

// write renders the server's own series, each family sorted by labels as
// client_golang does, so the output is stable between scrapes.
func (m *metrics) write(buf *bytes.Buffer) {
	type row struct {
		key requestKey
		n   uint64
	}
	m.mu.RLock()
	rows := make([]row, 0, len(m.requests))
	for k, c := range m.requests {
		rows = append(rows, row{k, c.Load()})
	}
	m.mu.RUnlock()
	slices.SortFunc(rows, func(a, b row) int {
		if a.key.code != b.key.code {
			return strings.Compare(strconv.Itoa(a.key.code), strconv.Itoa(b.key.code))
		}
		if c := strings.Compare(a.key.method, b.key.method); c != 0 {
			return c
		}
		return strings.Compare(a.key.route, b.key.route)
	})
	const name = "baton_http_requests_total"
	header(buf, name, "HTTP requests served, by method, route template and status code.", "counter")
	for _, r := range rows {
		sample(buf, name, []string{"code", strconv.Itoa(r.key.code), "method", r.key.method, "route", r.key.route}, float64(r.n))
	}
	m.check.write(buf)
	m.publish.write(buf)
}

func (h *histogram) write(buf *bytes.Buffer) {
	header(buf, h.name, h.help, "histogram")
	// The count is the sum of the buckets read here, so +Inf and _count
	// agree even while requests are being observed.
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i].Load()
		sample(buf, h.name+"_bucket", []string{"le", formatFloat(b)}, float64(cum))
	}
	cum += h.counts[len(h.bounds)].Load()
	sample(buf, h.name+"_bucket", []string{"le", "+Inf"}, float64(cum))
	sample(buf, h.name+"_sum", nil, math.Float64frombits(h.sumBits.Load()))
	sample(buf, h.name+"_count", nil, float64(cum))
}

// writeGoMetrics writes the Go runtime gauges client_golang's Go collector
// is best known for, under its names.
func writeGoMetrics(buf *bytes.Buffer) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms) // stops the world briefly: only on a scrape
	threads, _ := runtime.ThreadCreateProfile(nil)
	gauge(buf, "go_goroutines", "Number of goroutines that currently exist.", float64(runtime.NumGoroutine()))
	gauge(buf, "go_threads", "Number of OS threads created.", float64(threads))
	header(buf, "go_info", "Information about the Go environment.", "gauge")
	sample(buf, "go_info", []string{"version", runtime.Version()}, 1)
	gauge(buf, "go_memstats_alloc_bytes", "Number of bytes allocated in heap and currently in use.", float64(ms.Alloc))
	gauge(buf, "go_memstats_heap_inuse_bytes", "Number of heap bytes that are in use.", float64(ms.HeapInuse))
	gauge(buf, "go_memstats_heap_objects", "Number of currently allocated objects.", float64(ms.HeapObjects))
	gauge(buf, "go_memstats_next_gc_bytes", "Number of heap bytes when next garbage collection will take place.", float64(ms.NextGC))
	gauge(buf, "go_memstats_sys_bytes", "Number of bytes obtained from system.", float64(ms.Sys))
	header(buf, "go_gc_cycles_total", "Number of completed GC cycles.", "counter")
	sample(buf, "go_gc_cycles_total", nil, float64(ms.NumGC))
}

// writeProcessMetrics writes client_golang's process_* series from /proc;
// where there is no /proc (not Linux) they are left out, as client_golang
// does on platforms it cannot read.
func writeProcessMetrics(buf *bytes.Buffer) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return
	}
	// Fields after the command, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return
	}
	f := strings.Fields(string(stat[i+1:])) // f[0] is field 3 (state)
	if len(f) < 22 {
		return
	}
	const userHZ = 100 // USER_HZ: fixed at 100 on every Linux ABI Go supports (procfs assumes it too)
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	starttime, _ := strconv.ParseFloat(f[19], 64)
	rss, _ := strconv.ParseFloat(f[21], 64)
	header(buf, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter")
	sample(buf, "process_cpu_seconds_total", nil, (utime+stime)/userHZ)
	gauge(buf, "process_resident_memory_bytes", "Resident memory size in bytes.", rss*float64(os.Getpagesize()))
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		gauge(buf, "process_open_fds", "Number of open file descriptors.", float64(len(fds)))
	}
	if btime, ok := bootTime(); ok {
		gauge(buf, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", btime+starttime/userHZ)
	}
}

// bootTime reads the system boot time (seconds since the epoch) from /proc/stat.
func bootTime() (float64, bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "btime "); ok {
			t, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return t, err == nil
		}
	}
	return 0, false
}

func gauge(buf *bytes.Buffer, name, help string, v float64) {
	header(buf, name, help, "gauge")
	sample(buf, name, nil, v)
}

func header(buf *bytes.Buffer, name, help, typ string) {
	buf.WriteString("# HELP " + name + " " + help + "\n")
	buf.WriteString("# TYPE " + name + " " + typ + "\n")
}

// sample writes one line; labels alternate names and values.
func sample(buf *bytes.Buffer, name string, labels []string, v float64) {
	buf.WriteString(name)
	if len(labels) > 0 {
		buf.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(labels[i])
			buf.WriteString(`="`)
			labelEscaper.WriteString(buf, labels[i+1])
			buf.WriteByte('"')
		}
		buf.WriteByte('}')
	}
	buf.WriteByte(' ')
	buf.WriteString(formatFloat(v))
	buf.WriteByte('\n')
}

// labelEscaper escapes a label value as the text format requires.
var labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)

// formatFloat writes numbers as client_golang does: shortest round-trip
// form, with the format's spellings of infinities and NaN.
func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
