package main

import (
	"context"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
)

// storeOptions names the store `baton serve` runs on.
type storeOptions struct {
	dataDir string // embedded bbolt store: dataDir/baton.db
}

// openStore opens the store opts names. Today that is always the embedded
// bbolt file; an error (such as the data file being locked by another
// server) is returned as is, to be printed and exit 2.
func openStore(ctx context.Context, opts storeOptions) (registry.Store, error) {
	return boltstore.Open(opts.dataDir, boltstore.Options{})
}
