package compat

import (
	"math/big"
	"regexp"
	"slices"
	"sort"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// equal reports whether two compiled nodes are structurally identical (so
// they accept the same documents). It lets the checker accept constructs it
// cannot reason about, such as overlapping oneOf branches, when both sides
// spell them the same way. Annotations are ignored. Pairs are memoized and
// assumed equal while being compared, so recursive schemas terminate.
func (c *checker) equal(a, b *js.Schema) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	if c.eq == nil {
		c.eq = newCoMemo[[2]*js.Schema, bool]()
	}
	return c.eq.do([2]*js.Schema{a, b}, true, func(v bool) bool { return !v }, func() bool {
		if !c.bud.tick() {
			return false // unproven: the pair is compared keyword by keyword
		}
		return c.equalFields(a, b)
	})
}

func (c *checker) equalFields(a, b *js.Schema) bool {
	if isTrueSchema(a) && isTrueSchema(b) {
		return true
	}
	if !equalBoolPtr(a.Always, b.Always) || !sameStrings(a.Types, b.Types) || !sameStrings(a.Required, b.Required) {
		return false
	}
	if a.MinProperties != b.MinProperties || a.MaxProperties != b.MaxProperties || a.MinItems != b.MinItems ||
		a.MaxItems != b.MaxItems || a.UniqueItems != b.UniqueItems || a.MinContains != b.MinContains ||
		a.MaxContains != b.MaxContains || a.MinLength != b.MinLength || a.MaxLength != b.MaxLength {
		return false
	}
	if assertsFormat(a) != assertsFormat(b) || (assertsFormat(a) && a.Format != b.Format) {
		return false
	}
	if contentKey(a) != contentKey(b) {
		return false
	}
	if (a.Pattern == nil) != (b.Pattern == nil) || (a.Pattern != nil && a.Pattern.String() != b.Pattern.String()) {
		return false
	}
	for _, p := range [][2]*big.Rat{{a.Minimum, b.Minimum}, {a.Maximum, b.Maximum}, {a.ExclusiveMinimum, b.ExclusiveMinimum},
		{a.ExclusiveMaximum, b.ExclusiveMaximum}, {a.MultipleOf, b.MultipleOf}} {
		if (p[0] == nil) != (p[1] == nil) || (p[0] != nil && p[0].Cmp(p[1]) != 0) {
			return false
		}
	}
	if (a.Constant == nil) != (b.Constant == nil) || (a.Constant != nil && !jsonEqual(a.Constant[0], b.Constant[0])) {
		return false
	}
	if (a.Enum == nil) != (b.Enum == nil) || len(a.Enum) != len(b.Enum) {
		return false
	}
	for i := range a.Enum {
		if !jsonEqual(a.Enum[i], b.Enum[i]) {
			return false
		}
	}
	// A dynamic reference is equal only when each side resolves to one
	// schema: with several, the two may resolve differently.
	for _, rec := range []bool{true, false} {
		ta, tb := c.dynTargets(a, rec), c.dynTargets(b, rec)
		if len(ta) != len(tb) || len(ta) > 1 || (len(ta) == 1 && !c.equal(ta[0], tb[0])) {
			return false
		}
	}
	for _, p := range [][2]*js.Schema{{a.Ref, b.Ref},
		{a.Not, b.Not}, {a.If, b.If}, {a.Then, b.Then}, {a.Else, b.Else}, {a.PropertyNames, b.PropertyNames},
		{a.UnevaluatedProperties, b.UnevaluatedProperties}, {a.Items2020, b.Items2020}, {a.Contains, b.Contains},
		{a.UnevaluatedItems, b.UnevaluatedItems}} {
		if !c.equal(p[0], p[1]) {
			return false
		}
	}
	for _, p := range [][2][]*js.Schema{{a.AllOf, b.AllOf}, {a.AnyOf, b.AnyOf}, {a.OneOf, b.OneOf}, {a.PrefixItems, b.PrefixItems}} {
		if !c.equalList(p[0], p[1]) {
			return false
		}
	}
	if !c.equalMap(a.Properties, b.Properties) || !c.equalMap(a.DependentSchemas, b.DependentSchemas) ||
		!c.equalPatterns(a.PatternProperties, b.PatternProperties) {
		return false
	}
	if !c.equalAny(a.AdditionalProperties, b.AdditionalProperties) || !c.equalAny(a.Items, b.Items) ||
		!c.equalAny(a.AdditionalItems, b.AdditionalItems) {
		return false
	}
	if len(a.DependentRequired) != len(b.DependentRequired) || len(a.Dependencies) != len(b.Dependencies) {
		return false
	}
	for k, v := range a.DependentRequired {
		if !sameStrings(v, b.DependentRequired[k]) {
			return false
		}
	}
	for k, v := range a.Dependencies {
		w, ok := b.Dependencies[k]
		if !ok || !c.equalAny(v, w) {
			return false
		}
	}
	return len(a.Extensions) == 0 && len(b.Extensions) == 0
}

func (c *checker) equalList(a, b []*js.Schema) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !c.equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func (c *checker) equalMap(a, b map[string]*js.Schema) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !c.equal(v, w) {
			return false
		}
	}
	return true
}

func (c *checker) equalPatterns(a, b map[*regexp.Regexp]*js.Schema) bool {
	if len(a) != len(b) {
		return false
	}
	for re, v := range a {
		w := patternNamed(b, re.String())
		if w == nil || !c.equal(v, w) {
			return false
		}
	}
	return true
}

// equalAny compares the keyword values that may be nil, bool, a schema, a
// list of schemas or a list of names. An absent keyword is not equal to a
// present one that allows everything: additionalProperties, items and
// additionalItems, even when true, mark what they cover as evaluated, which
// unevaluatedProperties/unevaluatedItems of the node or of a schema that
// applies it in place can see.
func (c *checker) equalAny(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		switch y := b.(type) {
		case bool:
			return x == y
		case *js.Schema:
			return x && isTrueSchema(y)
		}
		return false
	case *js.Schema:
		switch y := b.(type) {
		case *js.Schema:
			return c.equal(x, y)
		case bool:
			return y && isTrueSchema(x)
		}
	case []*js.Schema:
		y, ok := b.([]*js.Schema)
		return ok && c.equalList(x, y)
	case []string:
		y, ok := b.([]string)
		return ok && sameStrings(x, y)
	}
	return false
}

func equalBoolPtr(a, b *bool) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}
