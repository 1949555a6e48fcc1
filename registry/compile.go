package registry

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/batonhq/baton/compat"
)

// checkType accepts "" and "JSON" in any case.
func checkType(t string) error {
	if t == "" || strings.EqualFold(t, SchemaTypeJSON) {
		return nil
	}
	return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema type %s: Baton registers JSON Schema only (send \"schemaType\": \"JSON\")", Quote(t))
}

// fingerprint is Fingerprint behind a cache keyed by a digest of the exact
// submitted bytes: CI sends the same text every build, and hashing it is far
// cheaper than re-parsing it into canonical form. On a miss it also returns
// the text's bytes and decoded document, so that compiling it neither
// copies nor decodes it again. validated says whether this exact text has
// compiled before (see rawEntry): only then may its fingerprint stand for
// a compiled schema.
func (s *Registrar) fingerprint(text string, refs []Reference) (textPrint, error) {
	key := rawKey(text, refs)
	if e, ok := s.cache.rawFP.Get(key); ok {
		return textPrint{key: key, rawEntry: e}, nil
	}
	data := []byte(text)
	doc, err := compat.DecodeJSON(data)
	if err != nil {
		return textPrint{}, invalidJSON(err)
	}
	e := rawEntry{fp: fingerprintValue(doc, len(text), refs)}
	s.cache.rawFP.Add(key, e)
	return textPrint{key: key, rawEntry: e, data: data, doc: doc}, nil
}

// textPrint is what fingerprint knows of a submitted text.
type textPrint struct {
	key [32]byte // rawKey of the text and its references
	rawEntry
	data []byte // the text, and doc its decoded form: nil on a cache hit
	doc  any
}

// rawKey is the digest of a text exactly as submitted, with its references.
func rawKey(text string, refs []Reference) [32]byte {
	h := sha256.New()
	io.WriteString(h, text) // no copy of a text of up to megabytes per check
	for _, r := range refs {
		// Quoted fields keep boundaries unambiguous.
		io.WriteString(h, "\x00"+strconv.Quote(r.Name)+strconv.Quote(r.Subject)+strconv.Itoa(r.Version))
	}
	var key [32]byte
	h.Sum(key[:0])
	return key
}

// schemaByID reads a stored schema through the cache: records never change
// once written (IDs are never rebound), so a hit is always current.
func (s *Registrar) schemaByID(ctx context.Context, id int64) (Schema, error) {
	if sch, ok := s.cache.schemas.Get(id); ok {
		sch.References = slices.Clone(sch.References) // callers must not alias the cache
		return sch, nil
	}
	sch, err := s.store.SchemaByID(ctx, id)
	if err != nil {
		return Schema{}, err
	}
	cached := sch
	cached.References = slices.Clone(sch.References)
	s.cache.schemas.Add(id, cached)
	return sch, nil
}

// proposal is a schema proposed for a subject: validated, fingerprinted
// and compiled (a publish, a dry run, an impact question).
type proposal struct {
	subject string
	text    string
	refs    []Reference
	schema  *compat.Schema
	fp      string
}

// propose validates and compiles a proposed schema (see compileProposed).
func (s *Registrar) propose(ctx context.Context, subject, schemaType, text string, refs []Reference) (proposal, error) {
	c, fp, err := s.compileProposed(ctx, subject, schemaType, text, refs)
	if err != nil {
		return proposal{}, err
	}
	return proposal{subject: subject, text: text, refs: refs, schema: c, fp: fp}, nil
}

// compileProposed validates the type, fingerprints and compiles a proposed
// schema. Its references must exist (checked even on a cache hit: the cache
// must not make a missing reference acceptable). Nothing is written.
func (s *Registrar) compileProposed(ctx context.Context, subject, schemaType, text string, refs []Reference) (*compat.Schema, string, error) {
	if err := checkType(schemaType); err != nil {
		return nil, "", err
	}
	if err := checkText(text); err != nil {
		return nil, "", err
	}
	// Refuse oversize text before canonicalizing it (Compile would refuse it
	// too, but only after the fingerprint had parsed all of it).
	if max := cmp.Or(s.limits.MaxBytes, compat.DefaultLimits.MaxBytes); len(text) > max {
		return nil, "", Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: document is %d bytes; the limit is %d", len(text), max)
	}
	tp, err := s.fingerprint(text, refs)
	if err != nil {
		// Past 10,000 levels the decoder stops with its own message; name
		// the depth limit instead (only failures pay for this scan).
		if lerr := compat.CheckSize([]byte(text), subject, s.limits); lerr != nil {
			return nil, "", &Error{Kind: KindInvalid, Code: CodeInvalidSchema, Message: "Invalid schema: " + lerr.Error(), Err: lerr}
		}
		return nil, "", err
	}
	// The compiled schema cached under fp may come from another text with
	// the same canonical form, which says nothing of this text's duplicate
	// keys or number literals: only a text that compiled itself may use it.
	fp := tp.fp
	if c, ok := s.cache.byFP.Get(fp); ok && tp.validated {
		if err := s.resolveRefs(ctx, refs, false, nil, nil, 1); err != nil {
			return nil, "", err
		}
		return c, fp, nil
	}
	var res []compat.Resource
	if err := s.resolveRefs(ctx, refs, false, &res, map[string]string{}, 1); err != nil {
		return nil, "", err
	}
	data, doc := tp.data, tp.doc
	if doc == nil { // the text was seen before, but its compiled form was evicted
		data = []byte(text)
		if doc, err = compat.DecodeJSON(data); err != nil {
			return nil, "", invalidJSON(err)
		}
	}
	s.compiles.Add(1)
	c, err := compat.CompileValue(data, doc, compat.LoadOptions{Source: subject, Resources: res, Limits: s.limits})
	if err != nil {
		var le *compat.LoadError
		if errors.As(err, &le) {
			return nil, "", &Error{Kind: KindInvalid, Code: CodeInvalidSchema, Message: "Invalid schema: " + le.Error(), Err: err}
		}
		return nil, "", &Error{Kind: KindInvalid, Code: CodeInvalidSchema, Message: "Invalid schema: " + err.Error(), Err: err}
	}
	s.cache.byFP.Add(fp, c)
	s.cache.rawFP.Add(tp.key, rawEntry{fp: fp, validated: true})
	return c, fp, nil
}

// compiledByID returns the compiled form of a stored schema, compiling it at
// most once per cache lifetime.
func (s *Registrar) compiledByID(ctx context.Context, id int64) (*compat.Schema, error) {
	if c, ok := s.cache.byID.Get(id); ok {
		return c, nil
	}
	sch, err := s.schemaByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c, ok := s.cache.byFP.Get(sch.Fingerprint); ok && sch.Fingerprint != "" {
		s.cache.byID.Add(id, c)
		return c, nil
	}
	var res []compat.Resource
	if err := s.resolveRefs(ctx, sch.References, true, &res, map[string]string{}, 1); err != nil {
		return nil, err
	}
	s.compiles.Add(1)
	// Stored schemas were valid when registered; no size limits here so a
	// later, stricter limit cannot make history unreadable.
	c, err := compat.Compile([]byte(sch.Text), compat.LoadOptions{Source: fmt.Sprintf("schema id %d", id), Resources: res,
		Limits: compat.HistoryLimits})
	if err != nil {
		return nil, &Error{Kind: KindInternal, Code: CodeStoreError, Message: fmt.Sprintf("stored schema %d no longer compiles", id), Err: err}
	}
	s.cache.byID.Add(id, c)
	if sch.Fingerprint != "" {
		s.cache.byFP.Add(sch.Fingerprint, c)
	}
	return c, nil
}

// resolveRefs checks that every reference exists and, when texts is
// non-nil, collects the referenced documents (and theirs, recursively) as
// compile resources. allowDeleted is true when compiling an already stored
// schema whose references may since have been soft-deleted.
func (s *Registrar) resolveRefs(ctx context.Context, refs []Reference, allowDeleted bool, res *[]compat.Resource, seen map[string]string, depth int) error {
	if len(refs) == 0 {
		return nil
	}
	if depth > s.limits.MaxRefDepth {
		return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: references nest deeper than %d levels", s.limits.MaxRefDepth)
	}
	for _, r := range refs {
		if r.Name == "" || r.Subject == "" || r.Version < 1 {
			return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: reference %s must have a name, a subject and a version >= 1 (got subject %s, version %d)", Quote(r.Name), Quote(r.Subject), r.Version)
		}
		if r.Version > math.MaxInt32 {
			return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: reference %s version %d is out of range: versions are between 1 and 2^31-1", Quote(r.Name), r.Version)
		}
		v, err := s.store.Version(ctx, r.Subject, r.Version, allowDeleted)
		if err != nil {
			if ErrorKind(err) == KindNotFound {
				return &Error{Kind: KindInvalid, Code: CodeInvalidSchema, Err: err,
					Message: fmt.Sprintf("Invalid schema: reference %s to subject %s version %d does not exist", Quote(r.Name), Quote(r.Subject), r.Version)}
			}
			return err
		}
		if res == nil {
			continue
		}
		target := r.Subject + "\x00" + strconv.Itoa(r.Version)
		if prev, ok := seen[r.Name]; ok {
			if prev != target {
				return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: reference name %s names two different schemas", Quote(r.Name))
			}
			continue // already collected, with its own references
		}
		if len(seen) >= s.limits.MaxRefs {
			return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: more than %d referenced schemas", s.limits.MaxRefs)
		}
		seen[r.Name] = target
		sch, err := s.schemaByID(ctx, v.SchemaID)
		if err != nil {
			return err
		}
		*res = append(*res, compat.Resource{Name: r.Name, Schema: []byte(sch.Text)})
		if err := s.resolveRefs(ctx, sch.References, true, res, seen, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// compiledContract compiles a stored contract, at most once per cache
// lifetime (keyed by its fingerprint).
func (s *Registrar) compiledContract(r Relation) (*compat.Schema, error) {
	if c, ok := s.cache.byFP.Get(r.ContractFingerprint); ok && r.ContractFingerprint != "" {
		return c, nil
	}
	s.compiles.Add(1)
	c, err := compat.Compile([]byte(r.Contract), compat.LoadOptions{Source: "contract for " + r.Subject,
		Limits: compat.HistoryLimits}) // accepted earlier: a lowered limit must not lock it out
	if err != nil {
		return nil, &Error{Kind: KindInternal, Code: CodeStoreError, Message: "stored contract for " + r.Subject + " no longer compiles", Err: err}
	}
	if r.ContractFingerprint != "" {
		s.cache.byFP.Add(r.ContractFingerprint, c)
	}
	return c, nil
}
