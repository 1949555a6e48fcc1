package redisstore

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url       string
		addrs     []string
		db        int
		master    string
		cluster   bool
		tls       bool
		user      string
		pass      string
		sentPass  string
		readTO    time.Duration
		retries   int
		tlsServer string
	}{
		{url: "redis://127.0.0.1:6379/0", addrs: []string{"127.0.0.1:6379"}},
		{url: "redis://localhost", addrs: []string{"localhost:6379"}},
		{url: "redis://h:7000/3", addrs: []string{"h:7000"}, db: 3},
		{url: "redis://:s3cret@h/1", addrs: []string{"h:6379"}, db: 1, pass: "s3cret"},
		{url: "redis://bob:p%40ss@h", addrs: []string{"h:6379"}, user: "bob", pass: "p@ss"},
		{url: "rediss://h.example:6380", addrs: []string{"h.example:6380"}, tls: true, tlsServer: "h.example"},
		{url: "redis://[::1]:6379", addrs: []string{"[::1]:6379"}},
		{url: "redis://h?read_timeout=2s&max_retries=3", addrs: []string{"h:6379"}, readTO: 2 * time.Second, retries: 3},
		{url: "redis://h?read_timeout=5", addrs: []string{"h:6379"}, readTO: 5 * time.Second},
		{url: "redis+sentinel://s1:26379,s2:26380/mymaster/0", addrs: []string{"s1:26379", "s2:26380"}, master: "mymaster"},
		{url: "redis+sentinel://s1,s2/mymaster/2?sentinel_password=x", addrs: []string{"s1:26379", "s2:26379"}, master: "mymaster", db: 2, sentPass: "x"},
		{url: "rediss+sentinel://:pw@s1/m", addrs: []string{"s1:26379"}, master: "m", tls: true, pass: "pw"},
		{url: "redis+cluster://h1:7000,h2:7001", addrs: []string{"h1:7000", "h2:7001"}, cluster: true},
		{url: "redis+cluster://h1:7000", addrs: []string{"h1:7000"}, cluster: true},
		{url: "rediss+cluster://h1:7000,h2:7001/", addrs: []string{"h1:7000", "h2:7001"}, cluster: true, tls: true},
	} {
		o, err := ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		readTO, retries := tc.readTO, tc.retries
		if readTO == 0 {
			readTO = defaultReadTimeout
		}
		if retries == 0 {
			retries = defaultMaxRetries
		}
		switch {
		case !slices.Equal(o.Addrs, tc.addrs):
			t.Errorf("%s: Addrs = %q, want %q", tc.url, o.Addrs, tc.addrs)
		case o.DB != tc.db || o.MasterName != tc.master || o.IsClusterMode != tc.cluster:
			t.Errorf("%s: DB=%d MasterName=%q IsClusterMode=%v", tc.url, o.DB, o.MasterName, o.IsClusterMode)
		case (o.TLSConfig != nil) != tc.tls:
			t.Errorf("%s: TLS = %v, want %v", tc.url, o.TLSConfig != nil, tc.tls)
		case tc.tlsServer != "" && o.TLSConfig.ServerName != tc.tlsServer:
			t.Errorf("%s: TLS ServerName = %q", tc.url, o.TLSConfig.ServerName)
		case o.Username != tc.user || o.Password != tc.pass || o.SentinelPassword != tc.sentPass:
			t.Errorf("%s: credentials %q/%q sentinel %q", tc.url, o.Username, o.Password, o.SentinelPassword)
		case o.ReadTimeout != readTO || o.MaxRetries != retries:
			t.Errorf("%s: ReadTimeout=%v MaxRetries=%d", tc.url, o.ReadTimeout, o.MaxRetries)
		case o.DialTimeout != defaultDialTimeout || o.DialerRetries != 1 || !o.ContextTimeoutEnabled:
			t.Errorf("%s: not fail-fast: DialTimeout=%v DialerRetries=%d", tc.url, o.DialTimeout, o.DialerRetries)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"127.0.0.1:6379", "want redis://"},
		{"http://h", "unknown scheme"},
		{"redis://h1,h2", "several hosts"},
		{"redis://h/x", "bad database number"},
		{"redis://h/1/2", "bad path"},
		{"redis://h:99999", "bad port"},
		{"redis://h:", "bad port"},
		{"redis://", "empty host"},
		{"redis+sentinel://s1", "master"},
		{"redis+cluster://h/0", "no database number"},
		{"redis://h?bogus=1", "unknown option"},
		{"redis://h?read_timeout=soon", "read_timeout"},
		{"redis://h?skip_verify=true", "rediss"},
		{"redis://h?sentinel_password=x", "sentinel"},
	} {
		_, err := ParseURL(tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseURL(%q) = %v, want an error mentioning %q", tc.url, err, tc.want)
		}
	}
	// Errors never echo a password.
	for _, u := range []string{"redis://:hunter2@h?bogus=1", "redis://:hunter2@h/x", "redis+sentinel://s/m?sentinel_password=hunter2&bogus=1"} {
		if _, err := ParseURL(u); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseURL(%q) = %v: want an error without the password", u, err)
		}
	}
}
