package compat

// Rule is one kind of incompatibility. IDs are stable forever: a retired
// rule keeps its ID with Deprecated set and ReplacedBy naming successors.
type Rule struct {
	ID         string // kebab-case, never renamed
	Keyword    string // keyword family; the judging code lives in <family>.go
	Purpose    string // what the reader rejects that the writer produces
	Deprecated bool
	ReplacedBy []string
}

var (
	RuleTypeNarrowed = Rule{ID: "type-narrowed", Keyword: "type",
		Purpose: "The reader no longer accepts a JSON type the writer produces (integer is a subset of number)."}
	RuleEnumValueRemoved = Rule{ID: "enum-value-removed", Keyword: "enum",
		Purpose: "A value the writer's enum or const allows is rejected by the reader."}
	RuleEnumAdded = Rule{ID: "enum-added", Keyword: "enum",
		Purpose: "The reader restricts values to an enum or const while the writer produces other values."}
	RuleRejectsAll = Rule{ID: "reader-rejects-all", Keyword: "boolean",
		Purpose: "The reader schema is false (or empty where the writer is not), so it rejects every document."}

	RuleMinimumIncreased = Rule{ID: "minimum-increased", Keyword: "numeric",
		Purpose: "The reader's minimum or exclusiveMinimum is above the writer's, so smaller values are rejected."}
	RuleMaximumDecreased = Rule{ID: "maximum-decreased", Keyword: "numeric",
		Purpose: "The reader's maximum or exclusiveMaximum is below the writer's, so larger values are rejected."}
	RuleMultipleOfNarrowed = Rule{ID: "multiple-of-narrowed", Keyword: "numeric",
		Purpose: "The reader's multipleOf does not divide every number the writer produces."}

	RuleMinLengthIncreased = Rule{ID: "min-length-increased", Keyword: "string",
		Purpose: "The reader's minLength is above the writer's, so shorter strings are rejected."}
	RuleMaxLengthDecreased = Rule{ID: "max-length-decreased", Keyword: "string",
		Purpose: "The reader's maxLength is below the writer's, so longer strings are rejected."}
	RulePatternAdded = Rule{ID: "pattern-added", Keyword: "string",
		Purpose: "The reader requires a pattern the writer's strings need not match."}
	RuleUndecidablePattern = Rule{ID: "undecidable-pattern", Keyword: "string",
		Purpose: "Writer and reader have different patterns whose inclusion the automata could not decide within their state budget, so it is reported."}
	RuleFormatAdded = Rule{ID: "format-added", Keyword: "string",
		Purpose: "The reader asserts a format (or a different format) the writer's strings need not have."}
	RuleContentAdded = Rule{ID: "content-added", Keyword: "string",
		Purpose: "The reader requires strings to decode (contentEncoding) or parse (contentMediaType) as draft-07 asserts; the writer's strings need not."}

	RuleRequiredAdded = Rule{ID: "required-property-added", Keyword: "object",
		Purpose: "The reader requires a property the writer may omit."}
	RulePropertyRemovedClosed = Rule{ID: "property-removed-from-closed-model", Keyword: "object",
		Purpose: "The writer may send a property the reader's closed content model no longer allows."}
	RulePropertyAddedOpen = Rule{ID: "property-added-to-open-model", Keyword: "object",
		Purpose: "The reader constrains a property the writer's open content model leaves free (not breaking under the lenient policy)."}
	RuleAdditionalNarrowed = Rule{ID: "additional-properties-narrowed", Keyword: "object",
		Purpose: "The reader's additionalProperties (or patternProperties) rejects extra properties the writer allows."}
	RuleUnevaluatedPropsNarrowed = Rule{ID: "unevaluated-properties-narrowed", Keyword: "object",
		Purpose: "The reader's unevaluatedProperties rejects properties the writer allows."}
	RulePropertyNamesNarrowed = Rule{ID: "property-names-narrowed", Keyword: "object",
		Purpose: "The reader's propertyNames rejects a property name the writer allows."}
	RuleMinPropertiesIncreased = Rule{ID: "min-properties-increased", Keyword: "object",
		Purpose: "The reader's minProperties is above what the writer guarantees."}
	RuleMaxPropertiesDecreased = Rule{ID: "max-properties-decreased", Keyword: "object",
		Purpose: "The reader's maxProperties is below what the writer allows."}
	RuleDependentRequiredAdded = Rule{ID: "dependent-required-added", Keyword: "object",
		Purpose: "The reader requires a property whenever another is present; the writer does not."}
	RuleDependentSchemaAdded = Rule{ID: "dependent-schema-added", Keyword: "object",
		Purpose: "The reader applies a dependent schema the writer's objects need not satisfy."}
	RuleUndecidablePatternProperties = Rule{ID: "undecidable-pattern-properties", Keyword: "object",
		Purpose: "Writer and reader patternProperties use different regular expressions whose overlap the automata could not settle (state budget, or more writer patterns than are split into regions)."}

	RuleItemsNarrowed = Rule{ID: "items-narrowed", Keyword: "array",
		Purpose: "The reader no longer allows array items (positions) the writer produces."}
	RuleMinItemsIncreased = Rule{ID: "min-items-increased", Keyword: "array",
		Purpose: "The reader's minItems is above the writer's, so shorter arrays are rejected."}
	RuleMaxItemsDecreased = Rule{ID: "max-items-decreased", Keyword: "array",
		Purpose: "The reader's maxItems is below the writer's, so longer arrays are rejected."}
	RuleUniqueItemsAdded = Rule{ID: "unique-items-added", Keyword: "array",
		Purpose: "The reader requires unique items; the writer may repeat them."}
	RuleContainsAdded = Rule{ID: "contains-added", Keyword: "array",
		Purpose: "The reader requires array items (contains/minContains) the writer does not guarantee."}
	RuleMaxContainsDecreased = Rule{ID: "max-contains-decreased", Keyword: "array",
		Purpose: "The reader's maxContains limits matching items the writer does not limit as much."}
	RuleUnevaluatedItemsNarrowed = Rule{ID: "unevaluated-items-narrowed", Keyword: "array",
		Purpose: "The reader's unevaluatedItems rejects items the writer allows."}

	RuleAnyOfNarrowed = Rule{ID: "any-of-narrowed", Keyword: "combinator",
		Purpose: "No branch of the reader's anyOf accepts everything the writer produces."}
	RuleOneOfNarrowed = Rule{ID: "one-of-narrowed", Keyword: "combinator",
		Purpose: "No branch of the reader's oneOf accepts everything the writer produces."}
	RuleUndecidableOneOf = Rule{ID: "undecidable-one-of", Keyword: "combinator",
		Purpose: "A writer value may match several branches of the reader's oneOf; exclusivity is not proven."}
	RuleNotAdded = Rule{ID: "not-added", Keyword: "combinator",
		Purpose: "The reader's not excludes values the writer produces."}
	RuleUndecidableNot = Rule{ID: "undecidable-not", Keyword: "combinator",
		Purpose: "The reader's not may exclude writer values; disjointness is not proven."}
	RuleConditionalNarrowed = Rule{ID: "conditional-narrowed", Keyword: "combinator",
		Purpose: "A then or else branch of the reader's if/then/else rejects values the writer produces."}
	RuleTooComplex = Rule{ID: "undecidable-complexity", Keyword: "combinator",
		Purpose: "The check exceeded its step or memory budget (--max-steps, --max-memory) before reaching a verdict, so it is reported as incompatible."}
)

// Rules is the rule table: it feeds docs/rules.md, every report format and
// the meta test.
var Rules = []Rule{
	RuleTypeNarrowed, RuleEnumValueRemoved, RuleEnumAdded, RuleRejectsAll,
	RuleMinimumIncreased, RuleMaximumDecreased, RuleMultipleOfNarrowed,
	RuleMinLengthIncreased, RuleMaxLengthDecreased, RulePatternAdded, RuleUndecidablePattern, RuleFormatAdded, RuleContentAdded,
	RuleRequiredAdded, RulePropertyRemovedClosed, RulePropertyAddedOpen, RuleAdditionalNarrowed,
	RuleUnevaluatedPropsNarrowed, RulePropertyNamesNarrowed, RuleMinPropertiesIncreased, RuleMaxPropertiesDecreased,
	RuleDependentRequiredAdded, RuleDependentSchemaAdded, RuleUndecidablePatternProperties,
	RuleItemsNarrowed, RuleMinItemsIncreased, RuleMaxItemsDecreased, RuleUniqueItemsAdded,
	RuleContainsAdded, RuleMaxContainsDecreased, RuleUnevaluatedItemsNarrowed,
	RuleAnyOfNarrowed, RuleOneOfNarrowed, RuleUndecidableOneOf, RuleNotAdded, RuleUndecidableNot, RuleConditionalNarrowed,
	RuleTooComplex,
}

// RuleByID finds a rule in the table.
func RuleByID(id string) (Rule, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// ruleForKeyword maps the reader keyword that rejected a concrete writer
// value (from the validator's error) to the rule reported for it.
var ruleForKeyword = map[string]*Rule{
	"type": &RuleTypeNarrowed, "enum": &RuleEnumValueRemoved, "const": &RuleEnumValueRemoved,
	"minimum": &RuleMinimumIncreased, "exclusiveMinimum": &RuleMinimumIncreased,
	"maximum": &RuleMaximumDecreased, "exclusiveMaximum": &RuleMaximumDecreased,
	"multipleOf": &RuleMultipleOfNarrowed, "minLength": &RuleMinLengthIncreased, "maxLength": &RuleMaxLengthDecreased,
	"pattern": &RulePatternAdded, "format": &RuleFormatAdded,
	"contentEncoding": &RuleContentAdded, "contentMediaType": &RuleContentAdded, "required": &RuleRequiredAdded,
	"additionalProperties": &RuleAdditionalNarrowed, "unevaluatedProperties": &RuleUnevaluatedPropsNarrowed,
	"propertyNames": &RulePropertyNamesNarrowed, "minProperties": &RuleMinPropertiesIncreased,
	"maxProperties": &RuleMaxPropertiesDecreased, "dependentRequired": &RuleDependentRequiredAdded,
	"dependencies": &RuleDependentRequiredAdded, "dependentSchemas": &RuleDependentSchemaAdded,
	"items": &RuleItemsNarrowed, "prefixItems": &RuleItemsNarrowed, "additionalItems": &RuleItemsNarrowed,
	"minItems": &RuleMinItemsIncreased, "maxItems": &RuleMaxItemsDecreased, "uniqueItems": &RuleUniqueItemsAdded,
	"contains": &RuleContainsAdded, "minContains": &RuleContainsAdded, "maxContains": &RuleMaxContainsDecreased,
	"unevaluatedItems": &RuleUnevaluatedItemsNarrowed, "anyOf": &RuleAnyOfNarrowed, "oneOf": &RuleOneOfNarrowed,
	"not": &RuleNotAdded, "if": &RuleConditionalNarrowed, "then": &RuleConditionalNarrowed, "else": &RuleConditionalNarrowed,
	"false": &RuleRejectsAll,
}
