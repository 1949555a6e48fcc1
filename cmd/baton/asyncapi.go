package main

import (
	"context"
	"slices"
	"strings"

	"github.com/batonhq/baton/asyncapi"
)

// cmdAsyncAPI is `baton asyncapi export SERVICE [--version V] [--format
// yaml|json]`: the registry's AsyncAPI document of a service, on stdout.
// Importing needs no command: publish and check read AsyncAPI documents.
func cmdAsyncAPI(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "export" {
		return usagef("usage: baton asyncapi export SERVICE [--registry URL] [--version %s] [--format %s]",
			strings.Join(asyncapi.Versions, "|"), strings.Join(asyncapi.Formats, "|"))
	}
	fs := newFlagSet(e, "asyncapi export", "[--registry URL] [--version 3.0.0|2.6.0] [--format yaml|json] SERVICE")
	rf := addRegistryFlags(fs, strings.Join(asyncapi.Formats, ", "))
	// The registry flags default to text, which a document has no use for.
	if f := fs.Lookup("format"); f != nil {
		f.DefValue = "yaml"
		_ = f.Value.Set("yaml")
	}
	version := fs.String("version", asyncapi.Versions[0], "AsyncAPI version: "+strings.Join(asyncapi.Versions, " or "))
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("asyncapi export takes one SERVICE, got %d arguments", len(pos))
	}
	if !slices.Contains(asyncapi.Versions, *version) {
		return usagef("--version must be one of %s, not %q", strings.Join(asyncapi.Versions, ", "), *version)
	}
	c, err := rf.client(e, asyncapi.Formats...)
	if err != nil {
		return err
	}
	doc, err := c.ExportAsyncAPI(ctx, pos[0], *version, *rf.format)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(doc)
	return err
}
