package report

import (
	"encoding/json"
	"io"

	"github.com/batonhq/baton/compat"
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

// wireItem is an Item as a registry answers a manifest check (POST
// /v1/check): the check JSON item, with each change a whole compat.Finding
// (writerPath, direction and version too, which the annotation formats
// need to place it) and the baseFile the item was checked against. The
// schema texts are not sent: the caller has them.
type wireItem struct {
	Subject    string           `json:"subject"`
	Service    string           `json:"service,omitempty"`
	Role       string           `json:"role,omitempty"`
	SchemaFile string           `json:"schemaFile,omitempty"`
	BaseFile   string           `json:"baseFile,omitempty"`
	Mode       string           `json:"mode"`
	Compatible bool             `json:"compatible"`
	Changes    []compat.Finding `json:"changes"`
	Note       string           `json:"note,omitempty"`
}

type wireResult struct {
	Compatible bool       `json:"compatible"`
	Mode       string     `json:"mode"`
	Items      []wireItem `json:"items"`
}

// MarshalJSON encodes r as a registry answers POST /v1/check:
// {"compatible","mode","items"} as RenderJSON's check shape, each item
// with baseFile and its changes as whole findings. Command, Schema and
// Base are not encoded.
func (r Result) MarshalJSON() ([]byte, error) {
	out := wireResult{Compatible: r.Compatible(), Mode: r.Mode, Items: make([]wireItem, 0, len(r.Items))}
	for _, it := range r.Items {
		fs := it.Findings
		if fs == nil {
			fs = []compat.Finding{}
		}
		out.Items = append(out.Items, wireItem{Subject: it.Subject, Service: it.Service, Role: it.Role, SchemaFile: it.SchemaFile,
			BaseFile: it.BaseFile, Mode: r.modeOf(it), Compatible: it.Compatible(), Changes: fs, Note: it.Note})
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (r *Result) UnmarshalJSON(data []byte) error {
	var in wireResult
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*r = Result{Command: r.Command, Mode: in.Mode, Items: make([]Item, 0, len(in.Items))}
	for _, it := range in.Items {
		r.Items = append(r.Items, Item{Subject: it.Subject, Service: it.Service, Role: it.Role, SchemaFile: it.SchemaFile,
			BaseFile: it.BaseFile, Mode: it.Mode, Findings: it.Changes, Note: it.Note})
	}
	return nil
}
