package compat

import "bytes"

// Check reports whether every document the writer accepts is accepted by
// the reader. Placeholder until the engine lands: identical documents only.
func Check(writer, reader *Schema, opts Options) Report {
	if bytes.Equal(writer.raw, reader.raw) {
		return Report{Compatible: true, Findings: []Finding{}}
	}
	return Report{Compatible: false, Findings: []Finding{{Rule: "undecidable-schema", Path: "", Breaking: true, Message: "engine not ready"}}}
}
