package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series.
type metrics struct {
	requests *prometheus.CounterVec // by method, route template and status
	publish  prometheus.Histogram   // POST /subjects/{subject}/versions
	check    prometheus.Histogram   // POST /compatibility/...
}

// latencyBuckets reach from 100µs (a cached compatibility check) to 10s.
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_http_requests_total",
			Help: "HTTP requests served, by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		publish: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "baton_publish_duration_seconds",
			Help:    "Time to answer a schema publish (compatibility check and durable write included).",
			Buckets: latencyBuckets,
		}),
		check: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "baton_compat_check_duration_seconds",
			Help:    "Time to answer a compatibility check.",
			Buckets: latencyBuckets,
		}),
	}
	reg.MustRegister(m.requests, m.publish, m.check)
	return m
}

func (m *metrics) request(method, route string, status int) {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead:
	default:
		method = "OTHER" // clients choose methods: keep the label set bounded
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
}

// timed observes how long h takes in hist.
func timed(hist prometheus.Histogram, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		hist.Observe(time.Since(start).Seconds())
	})
}

func handleMetrics(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}
