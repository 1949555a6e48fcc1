package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
)

// serveLimits are the server's configurable limits: what one schema may
// cost (registry.Options), versions per subject, named service versions
// kept decoded for can-i-deploy, and the HTTP timeouts that stop slow
// clients (slowloris) from holding connections.
type serveLimits struct {
	schema           compat.Limits
	maxVersions      int
	maxNamedVersions int
	// the budget of one compatibility check (compat.Options)
	checkSteps, checkMemory int
	timeouts                serveTimeouts
}

// options are the registry's options with these limits.
func (l serveLimits) options(log *slog.Logger) registry.Options {
	return registry.Options{Logger: log, Limits: l.schema, MaxVersions: l.maxVersions, MaxNamedVersions: l.maxNamedVersions,
		MaxCheckSteps: l.checkSteps, MaxCheckMemory: int64(l.checkMemory)}
}

type serveTimeouts struct {
	readHeader, read, write, idle time.Duration
}

// apply sets the timeouts on srv.
func (t serveTimeouts) apply(srv *http.Server) {
	srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout = t.readHeader, t.read, t.write, t.idle
}

// limitFlag is one --max-* or --*-timeout flag: its value comes from the
// command line, else the environment variable, else the default.
type limitFlag struct {
	name, env, def, help string
	raw                  *string
	set                  func(l *serveLimits, s string) error
}

func intLimit(dst func(*serveLimits) *int) func(*serveLimits, string) error {
	return func(l *serveLimits, s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return fmt.Errorf("must be a positive whole number, not %q", s)
		}
		*dst(l) = n
		return nil
	}
}

func durationLimit(dst func(*serveLimits) *time.Duration) func(*serveLimits, string) error {
	return func(l *serveLimits, s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("must be a positive duration such as 5s or 2m, not %q", s)
		}
		*dst(l) = d
		return nil
	}
}

// addLimitFlags registers the limit flags on fs; parse them with the
// returned function once fs has been parsed.
func addLimitFlags(fs *flag.FlagSet, e env) func() (serveLimits, error) {
	d := compat.DefaultLimits
	itoa := strconv.Itoa
	flags := []limitFlag{
		{"max-schema-bytes", "BATON_MAX_SCHEMA_BYTES", itoa(d.MaxBytes), "largest schema document, in bytes", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxBytes })},
		{"max-schema-depth", "BATON_MAX_SCHEMA_DEPTH", itoa(d.MaxDepth), "deepest nesting of objects and arrays in a schema", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxDepth })},
		{"max-schema-nodes", "BATON_MAX_SCHEMA_NODES", itoa(d.MaxNodes), "most JSON values in one schema", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxNodes })},
		{"max-properties", "BATON_MAX_PROPERTIES", itoa(d.MaxProperties), "most members of one JSON object in a schema (e.g. its properties)", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxProperties })},
		{"max-total-properties", "BATON_MAX_TOTAL_PROPERTIES", itoa(d.MaxTotalProperties), "most object members in one schema, all objects together", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxTotalProperties })},
		{"max-enum", "BATON_MAX_ENUM", itoa(d.MaxEnum), "most values in one enum", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxEnum })},
		{"max-regex-length", "BATON_MAX_REGEX_LENGTH", itoa(d.MaxPattern), "longest regular expression (pattern, patternProperties), in bytes", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxPattern })},
		{"max-regex-program", "BATON_MAX_REGEX_PROGRAM", itoa(d.MaxRegexProgram), "most instructions one regular expression may compile to", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxRegexProgram })},
		{"max-regex-total", "BATON_MAX_REGEX_TOTAL", itoa(d.MaxRegexTotal), "most instructions all regular expressions of one schema may compile to together", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxRegexTotal })},
		{"max-number-digits", "BATON_MAX_NUMBER_DIGITS", itoa(d.MaxNumberDigits), "most digits of one number in a schema, before any exponent", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxNumberDigits })},
		{"max-number-exponent", "BATON_MAX_NUMBER_EXPONENT", itoa(d.MaxNumberExponent), "largest exponent of one number in a schema (1e1000 has 1000; either sign)", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxNumberExponent })},
		{"max-ref-depth", "BATON_MAX_REF_DEPTH", itoa(d.MaxRefDepth), "deepest chain of references (references of references)", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxRefDepth })},
		{"max-refs", "BATON_MAX_REFS", itoa(d.MaxRefs), "most referenced schemas one schema may pull in", nil, intLimit(func(l *serveLimits) *int { return &l.schema.MaxRefs })},
		{"max-versions", "BATON_MAX_VERSIONS", itoa(registry.DefaultMaxVersions), "most versions per subject, soft-deleted ones included", nil, intLimit(func(l *serveLimits) *int { return &l.maxVersions })},
		{"max-named-versions", "BATON_MAX_NAMED_VERSIONS", itoa(registry.DefaultMaxNamedVersions), "most service versions can-i-deploy and plan keep decoded that no environment runs (the ones checks name; least recently used go first)", nil, intLimit(func(l *serveLimits) *int { return &l.maxNamedVersions })},
		{"max-check-steps", "BATON_MAX_CHECK_STEPS", itoa(compat.DefaultMaxSteps), "work budget of one compatibility check, in steps (past it: an undecidable-complexity finding)", nil, intLimit(func(l *serveLimits) *int { return &l.checkSteps })},
		{"max-check-memory", "BATON_MAX_CHECK_MEMORY", itoa(compat.DefaultMaxMemory), "memory budget of one compatibility check, in estimated bytes (past it: an undecidable-complexity finding)", nil, intLimit(func(l *serveLimits) *int { return &l.checkMemory })},
		{"read-header-timeout", "BATON_READ_HEADER_TIMEOUT", defaultTimeouts.readHeader.String(), "time a client has to send the request headers", nil, durationLimit(func(l *serveLimits) *time.Duration { return &l.timeouts.readHeader })},
		{"read-timeout", "BATON_READ_TIMEOUT", defaultTimeouts.read.String(), "time a client has to send the whole request", nil, durationLimit(func(l *serveLimits) *time.Duration { return &l.timeouts.read })},
		{"write-timeout", "BATON_WRITE_TIMEOUT", defaultTimeouts.write.String(), "time from the end of the request headers to the end of the answer", nil, durationLimit(func(l *serveLimits) *time.Duration { return &l.timeouts.write })},
		{"idle-timeout", "BATON_IDLE_TIMEOUT", defaultTimeouts.idle.String(), "time an idle keep-alive connection stays open", nil, durationLimit(func(l *serveLimits) *time.Duration { return &l.timeouts.idle })},
	}
	for i := range flags {
		f := &flags[i]
		f.raw = fs.String(f.name, serveFlagEnv(e, f.env, f.def), fmt.Sprintf("%s (env %s)", f.help, f.env))
	}
	return func() (serveLimits, error) {
		var l serveLimits
		for _, f := range flags {
			if err := f.set(&l, *f.raw); err != nil {
				return l, usagef("--%s %v", f.name, err)
			}
		}
		return l, nil
	}
}

// defaultTimeouts: a client has 5s for its headers (slowloris), 30s for a
// 4 MB body on a slow link, the server 60s for its answer.
var defaultTimeouts = serveTimeouts{readHeader: 5 * time.Second, read: 30 * time.Second, write: 60 * time.Second, idle: 2 * time.Minute}
