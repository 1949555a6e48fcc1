package redisstore

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Fail-fast defaults: a Redis that is down or hung makes a request fail in
// about a second (KindUnavailable, HTTP 503) instead of blocking it. Each can
// be overridden with a URL query option.
const (
	defaultDialTimeout  = 500 * time.Millisecond
	defaultReadTimeout  = 500 * time.Millisecond
	defaultWriteTimeout = 500 * time.Millisecond
	defaultPoolTimeout  = time.Second
	defaultMaxRetries   = 1
)

// ParseURL turns a Redis address into go-redis UniversalOptions. The syntax
// is described in the package documentation. Every form gets the fail-fast
// defaults above unless the URL's query overrides them.
func ParseURL(s string) (*redis.UniversalOptions, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return nil, fmt.Errorf("redis URL: want redis://, rediss://, redis+sentinel:// or redis+cluster://")
	}
	var useTLS, sentinel, cluster bool
	switch strings.ToLower(scheme) {
	case "redis":
	case "rediss":
		useTLS = true
	case "redis+sentinel":
		sentinel = true
	case "rediss+sentinel":
		useTLS, sentinel = true, true
	case "redis+cluster":
		cluster = true
	case "rediss+cluster":
		useTLS, cluster = true, true
	default:
		return nil, fmt.Errorf("redis URL: unknown scheme %q", scheme)
	}

	// Split the authority by hand: it may hold several comma-separated
	// hosts, which net/url does not accept.
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	u, err := url.Parse("redis://placeholder" + tail)
	if err != nil {
		return nil, fmt.Errorf("redis URL: bad path or query") // not %v: the query may hold a password
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("redis URL: fragments are not allowed")
	}
	o := &redis.UniversalOptions{}
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		ui, err := url.Parse("redis://" + authority[:at+1] + "placeholder")
		if err != nil || ui.User == nil {
			return nil, fmt.Errorf("redis URL: bad user info")
		}
		o.Username = ui.User.Username()
		o.Password, _ = ui.User.Password()
		authority = authority[at+1:]
	}
	defaultPort := "6379"
	if sentinel {
		defaultPort = "26379"
	}
	for _, h := range strings.Split(authority, ",") {
		addr, err := hostPort(h, defaultPort)
		if err != nil {
			return nil, fmt.Errorf("redis URL: %v", err)
		}
		o.Addrs = append(o.Addrs, addr)
	}
	if len(o.Addrs) > 1 && !sentinel && !cluster {
		return nil, fmt.Errorf("redis URL: several hosts need redis+sentinel:// or redis+cluster://")
	}

	path := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	switch {
	case sentinel:
		if len(path) < 1 || len(path) > 2 {
			return nil, fmt.Errorf("redis URL: want redis+sentinel://host:port[,host:port...]/master[/db]")
		}
		o.MasterName = path[0]
		path = path[1:]
	case cluster:
		if len(path) > 0 {
			return nil, fmt.Errorf("redis URL: a cluster has no database number")
		}
		o.IsClusterMode = true
	}
	if len(path) > 1 {
		return nil, fmt.Errorf("redis URL: bad path %q", u.Path)
	}
	if len(path) == 1 {
		if o.DB, err = strconv.Atoi(path[0]); err != nil || o.DB < 0 {
			return nil, fmt.Errorf("redis URL: bad database number %q", path[0])
		}
	}

	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = defaultDialTimeout, defaultReadTimeout, defaultWriteTimeout
	o.PoolTimeout, o.MaxRetries = defaultPoolTimeout, defaultMaxRetries
	o.MinRetryBackoff, o.MaxRetryBackoff = 10*time.Millisecond, 100*time.Millisecond
	o.DialerRetries = 1 // one dial attempt per connection; MaxRetries covers the command
	o.ContextTimeoutEnabled = true
	skipVerify := false
	q := u.Query()
	for name, vals := range q {
		v := vals[len(vals)-1]
		var err error
		switch name {
		case "dial_timeout":
			o.DialTimeout, err = parseDuration(v)
		case "read_timeout":
			o.ReadTimeout, err = parseDuration(v)
		case "write_timeout":
			o.WriteTimeout, err = parseDuration(v)
		case "pool_timeout":
			o.PoolTimeout, err = parseDuration(v)
		case "max_retries":
			o.MaxRetries, err = strconv.Atoi(v)
		case "pool_size":
			o.PoolSize, err = strconv.Atoi(v)
		case "client_name":
			o.ClientName = v
		case "sentinel_username", "sentinel_password":
			if !sentinel {
				return nil, fmt.Errorf("redis URL: %s needs redis+sentinel://", name)
			}
			if name == "sentinel_username" {
				o.SentinelUsername = v
			} else {
				o.SentinelPassword = v
			}
		case "skip_verify":
			if !useTLS {
				return nil, fmt.Errorf("redis URL: skip_verify needs a rediss scheme")
			}
			skipVerify, err = strconv.ParseBool(v)
		default:
			return nil, fmt.Errorf("redis URL: unknown option %q", name)
		}
		if err != nil {
			return nil, fmt.Errorf("redis URL: option %s=%q: %v", name, v, err)
		}
	}
	if useTLS {
		host, _, _ := net.SplitHostPort(o.Addrs[0])
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipVerify}
		if !sentinel && !cluster {
			o.TLSConfig.ServerName = host
		}
	}
	return o, nil
}

// hostPort validates one "host[:port]" of the authority.
func hostPort(h, defaultPort string) (string, error) {
	if h == "" {
		return "", fmt.Errorf("empty host")
	}
	host, port := h, defaultPort
	if strings.HasPrefix(h, "[") { // IPv6 literal
		end := strings.Index(h, "]")
		if end < 0 {
			return "", fmt.Errorf("bad host %q", h)
		}
		host = h[1:end]
		if rest := h[end+1:]; rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return "", fmt.Errorf("bad host %q", h)
			}
			port = rest[1:]
		}
	} else if i := strings.LastIndex(h, ":"); i >= 0 {
		host, port = h[:i], h[i+1:]
	}
	if host == "" || strings.ContainsAny(host, " /@[]") {
		return "", fmt.Errorf("bad host %q", h)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", fmt.Errorf("bad port in %q", h)
	}
	return net.JoinHostPort(host, port), nil
}

// parseDuration accepts Go durations ("300ms") and plain seconds ("2").
func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(v)
}
