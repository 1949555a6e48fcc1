package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/batonhq/baton/compat"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

// cmdValidate validates documents with the same locked-down loader the
// registry uses. Exit 1 if any document is invalid.
func cmdValidate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "validate", "SCHEMA DOC... (DOC may be - for standard input) [--ref URI=FILE] [--ref-dir DIR]")
	refs := addRefFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usagef("validate needs a schema and at least one document")
	}
	schemas, err := loadSchemas(e, pos[:1], refs)
	if err != nil {
		return err
	}
	invalid := 0
	for _, name := range pos[1:] {
		if ctx.Err() != nil {
			return interrupted(ctx, "validation")
		}
		data, err := readInput(e, name)
		if err != nil {
			return err
		}
		doc, err := compat.DecodeInstance(data, displayName(name), compat.Limits{})
		if err != nil {
			return err
		}
		if err := schemas[0].Validate(doc); err != nil {
			invalid++
			fmt.Fprintf(e.stdout, "%s: invalid\n", displayName(name))
			var ve *jsonschema.ValidationError
			if errors.As(err, &ve) {
				for _, leaf := range leaves(ve) {
					fmt.Fprintf(e.stdout, "    at %s: %s (schema %s)\n", pathOrRoot(leaf.InstanceLocation), leaf.Message, pathOrRoot(leaf.KeywordLocation))
				}
			} else {
				fmt.Fprintf(e.stdout, "    %v\n", err)
			}
			continue
		}
		fmt.Fprintf(e.stdout, "%s: valid\n", displayName(name))
	}
	if invalid > 0 {
		return errBreaking
	}
	return nil
}

func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}
