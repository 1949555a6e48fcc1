package httpapi

import (
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsExposition renders the hand-written exposition and parses it
// with Prometheus's own text parser: every family must parse, have the
// type client_golang gave it, and carry the values recorded.
func TestMetricsExposition(t *testing.T) {
	t.Parallel()
	m := newMetrics()
	for range 3 {
		m.request("GET", "/schemas/ids/{id}", 200)
	}
	m.request("BREW", "unmatched", 405)
	m.request("POST", `/odd "route"\with`+"\nnewline", 500) // escaping
	for _, v := range []float64{0.00005, 0.0001, 0.003, 0.003, 42} {
		m.check.Observe(v)
	}

	rec := httptest.NewRecorder()
	handleMetrics(m).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, rec.Body.String())
	}

	wantTypes := map[string]string{
		"baton_http_requests_total":           "COUNTER",
		"baton_publish_duration_seconds":      "HISTOGRAM",
		"baton_compat_check_duration_seconds": "HISTOGRAM",
		"go_goroutines":                       "GAUGE",
		"go_memstats_alloc_bytes":             "GAUGE",
		"go_info":                             "GAUGE",
	}
	if runtime.GOOS == "linux" {
		wantTypes["process_cpu_seconds_total"] = "COUNTER"
		wantTypes["process_resident_memory_bytes"] = "GAUGE"
		wantTypes["process_start_time_seconds"] = "GAUGE"
	}
	for name, typ := range wantTypes {
		f, ok := fams[name]
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if got := f.GetType().String(); got != typ {
			t.Errorf("%s has type %s, want %s", name, got, typ)
		}
	}

	counts := map[string]float64{}
	for _, mt := range fams["baton_http_requests_total"].GetMetric() {
		var key []string
		for _, l := range mt.GetLabel() {
			key = append(key, l.GetName()+"="+l.GetValue())
		}
		counts[strings.Join(key, ",")] = mt.GetCounter().GetValue()
	}
	for key, want := range map[string]float64{
		"code=200,method=GET,route=/schemas/ids/{id}":              3,
		"code=405,method=OTHER,route=unmatched":                    1,
		"code=500,method=POST,route=/odd \"route\"\\with\nnewline": 1,
	} {
		if counts[key] != want {
			t.Errorf("requests{%s} = %v, want %v (all: %v)", key, counts[key], want, counts)
		}
	}

	h := fams["baton_compat_check_duration_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 5 || math.Abs(h.GetSampleSum()-42.00615) > 1e-9 {
		t.Errorf("check histogram count %d sum %v, want 5 and 42.00615", h.GetSampleCount(), h.GetSampleSum())
	}
	wantCum := map[float64]uint64{0.0001: 2, 0.00025: 2, 0.0025: 2, 0.005: 4, 10: 4}
	for _, b := range h.GetBucket() {
		if want, ok := wantCum[b.GetUpperBound()]; ok && b.GetCumulativeCount() != want {
			t.Errorf("bucket le=%v holds %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
	if n := len(h.GetBucket()); n != len(latencyBuckets)+1 { // and +Inf
		t.Errorf("%d buckets, want %d", n, len(latencyBuckets)+1)
	}
}

// BenchmarkMetricsRequest is the per-request cost of counting a request.
func BenchmarkMetricsRequest(b *testing.B) {
	m := newMetrics()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.request(http.MethodGet, "/schemas/ids/{id}", 200)
		}
	})
}
