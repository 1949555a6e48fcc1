package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/redisstore"
)

// storeOptions names the store `baton serve` runs on.
type storeOptions struct {
	dataDir  string // embedded bbolt store: dataDir/baton.db
	redisURL string // if set, the distributed Redis store instead (see redisstore.ParseURL)
}

// openStore opens the store opts names: Redis when redisURL is set,
// otherwise the embedded bbolt file; an error (such as the data file being
// locked by another server) is returned as is, to be printed and exit 2.
func openStore(ctx context.Context, opts storeOptions) (registry.Store, error) {
	if opts.redisURL != "" {
		return openRedisStore(ctx, opts.redisURL)
	}
	return boltstore.Open(opts.dataDir, boltstore.Options{})
}

// openRedisStore opens the Redis store (--redis / BATON_REDIS). A Redis that
// does not answer fails start-up (exit 2) with the cause, never the password.
func openRedisStore(ctx context.Context, url string) (registry.Store, error) {
	s, err := redisstore.Open(ctx, url, redisstore.Options{})
	if err != nil {
		if cause := errors.Unwrap(err); cause != nil {
			return nil, fmt.Errorf("redis: %w (%v)", err, cause)
		}
		return nil, fmt.Errorf("redis: %w", err)
	}
	return s, nil
}
