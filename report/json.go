package report

import (
	"encoding/json"
	"io"
)

// Change is one finding in the JSON report.
type Change struct {
	Rule     string          `json:"rule"`     // stable kebab-case rule ID (docs/rules.md)
	Path     string          `json:"path"`     // JSON Pointer into the reader schema
	Breaking bool            `json:"breaking"` // false: reported by the lenient policy only
	Message  string          `json:"message"`
	Example  json.RawMessage `json:"example,omitempty"` // witness: valid for the writer, rejected by the reader
}

// JSONItem is one message/consumer pair in the JSON report of check and impact.
type JSONItem struct {
	Subject    string   `json:"subject"`
	Service    string   `json:"service,omitempty"`
	Role       string   `json:"role,omitempty"`
	SchemaFile string   `json:"schemaFile,omitempty"`
	Mode       string   `json:"mode"`
	Compatible bool     `json:"compatible"`
	Changes    []Change `json:"changes"`
	Note       string   `json:"note,omitempty"` // Item.Note
}

// RenderJSON writes the JSON report, indented by two spaces, fields always
// in this order. These shapes are a stable interface: fields are only ever
// added.
//
// diff (Result.Command "diff"), exactly as documented in DESIGN.md §5:
//
//	{"compatible": false, "mode": "backward",
//	 "changes": [{"rule": "maximum-decreased", "path": "/properties/qty/maximum",
//	              "breaking": true, "message": "…", "example": {"qty": 51}}]}
//
// "changes" is never null; "example" is omitted when no witness was
// confirmed. A diff has one Item; if given several, their changes are
// concatenated.
//
// check and impact (any other Command):
//
//	{"compatible": false, "mode": "backward",
//	 "items": [{"subject": "orders.placed", "service": "billing", "role": "consumer",
//	            "schemaFile": "schemas/order.json", "mode": "backward",
//	            "compatible": false, "changes": [ …as above… ],
//	            "note": "…"}]}   (note omitted when empty)
func RenderJSON(w io.Writer, r Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if r.Command == "diff" {
		out := struct {
			Compatible bool     `json:"compatible"`
			Mode       string   `json:"mode"`
			Changes    []Change `json:"changes"`
		}{Compatible: r.Compatible(), Mode: r.Mode, Changes: []Change{}}
		for _, it := range r.Items {
			out.Changes = append(out.Changes, changes(it)...)
		}
		return enc.Encode(out)
	}
	out := struct {
		Compatible bool       `json:"compatible"`
		Mode       string     `json:"mode"`
		Items      []JSONItem `json:"items"`
	}{Compatible: r.Compatible(), Mode: r.Mode, Items: []JSONItem{}}
	for _, it := range r.Items {
		out.Items = append(out.Items, JSONItem{Subject: it.Subject, Service: it.Service, Role: it.Role,
			SchemaFile: it.SchemaFile, Mode: r.modeOf(it), Compatible: it.Compatible(), Changes: changes(it), Note: it.Note})
	}
	return enc.Encode(out)
}

func changes(it Item) []Change {
	out := []Change{}
	for _, f := range it.Findings {
		out = append(out, Change{Rule: f.Rule, Path: f.Path, Breaking: f.Breaking, Message: f.Message, Example: f.Example})
	}
	return out
}
