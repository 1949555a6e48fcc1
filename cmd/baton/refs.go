package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/batonhq/baton/compat"
)

// refFlags are --ref URI=FILE (repeatable) and --ref-dir DIR: the schema
// documents a $ref may reach besides the one compiled. They are handed to
// the compiler explicitly; nothing is ever fetched or read on the
// schema's own say.
type refFlags struct {
	refs multiFlag
	dirs multiFlag
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func addRefFlags(fs *flag.FlagSet) *refFlags {
	r := &refFlags{}
	fs.Var(&r.refs, "ref", "URI=FILE: the schema a $ref to URI means (repeatable; relative URIs as written in the schema)")
	fs.Var(&r.dirs, "ref-dir", "DIR: every .json file below DIR may be referenced, by its $id or else by its path relative to DIR (repeatable)")
	return r
}

// refDoc is one referenced document and where it came from.
type refDoc struct {
	res  compat.Resource
	path string
}

// load reads the referenced documents.
func (r *refFlags) load() ([]refDoc, error) {
	var out []refDoc
	for _, kv := range r.refs {
		uri, file, ok := strings.Cut(kv, "=")
		if !ok || uri == "" || file == "" {
			return nil, usagef("--ref wants URI=FILE, not %q", kv)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--ref %s: cannot read %s: %w", uri, file, unwrapPathError(err))
		}
		out = append(out, refDoc{compat.Resource{Name: uri, Schema: data}, file})
	}
	for _, dir := range r.dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			out = append(out, refDoc{compat.Resource{Name: docID(data, filepath.ToSlash(rel)), Schema: data}, path})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("--ref-dir %s: %w", dir, unwrapPathError(err))
		}
	}
	return out, nil
}

// docID is the document's own $id (or draft-04 id) when it has one, else
// rel: the name a $ref in a schema at the top of the directory uses.
func docID(data []byte, rel string) string {
	var top struct {
		ID    any `json:"$id"`
		OldID any `json:"id"`
	}
	if json.Unmarshal(data, &top) == nil {
		for _, id := range []any{top.ID, top.OldID} {
			if s, ok := id.(string); ok && s != "" && !strings.HasPrefix(s, "#") {
				return s
			}
		}
	}
	return rel
}

// resourcesFor are the referenced documents for compiling file: the file
// itself is left out (a --ref-dir usually holds the schemas compared too).
func resourcesFor(docs []refDoc, file string) []compat.Resource {
	fi, _ := os.Stat(file)
	var out []compat.Resource
	for _, d := range docs {
		if fi != nil {
			if di, err := os.Stat(d.path); err == nil && os.SameFile(fi, di) {
				continue
			}
		}
		out = append(out, d.res)
	}
	return out
}

// missingRefHint is the advice in the error for a $ref to a document not
// handed in.
func missingRefHint(uri string) string {
	return "the referenced schema was not handed in; nothing is fetched: pass it with --ref " + uri + "=FILE or --ref-dir DIR"
}
