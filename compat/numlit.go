package compat

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// A number literal is judged from its text, never from its value: the
// validator turns numbers into exact rationals (big.Rat), and "1e999999"
// is a 3.3-million-bit integer that takes tens of milliseconds and
// hundreds of kilobytes to build, a million-digit integer seconds (the
// decimal conversion is quadratic), and past an exponent of a million
// big.Rat gives up and the validator dereferences nil. Bounding the digits
// and the exponent as written bounds all of that: the largest rational a
// literal can make has about digits+exponent decimal digits.

// numberLiteral is a JSON number literal taken apart.
type numberLiteral struct {
	neg         bool
	whole, frac string // the digits before and after the point
	expNeg      bool
	exp         string // the exponent's digits without leading zeros; "" is 0
}

// parseNumber splits a JSON number literal; ok is false for anything
// else (the decoder only produces valid ones).
func parseNumber(s string) (n numberLiteral, ok bool) {
	digits := func(s string) int {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i
	}
	if strings.HasPrefix(s, "-") {
		n.neg, s = true, s[1:]
	}
	i := digits(s)
	n.whole, s = s[:i], s[i:]
	if strings.HasPrefix(s, ".") {
		i = digits(s[1:])
		n.frac, s = s[1:1+i], s[1+i:]
	}
	if len(s) > 0 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
			n.expNeg, s = s[0] == '-', s[1:]
		}
		i = digits(s)
		if i == 0 {
			return n, false
		}
		n.exp, s = strings.TrimLeft(s[:i], "0"), s[i:]
	}
	return n, n.whole != "" && s == ""
}

// expAtMost reports whether the exponent's absolute value is at most max.
func (n numberLiteral) expAtMost(max int) bool {
	if len(n.exp) > 18 {
		return false
	}
	e, _ := strconv.ParseInt(n.exp, 10, 64)
	return e <= int64(max)
}

// expValue is the exponent, saturated far beyond any limit.
func (n numberLiteral) expValue() int64 {
	e := int64(1) << 60
	if len(n.exp) <= 18 {
		e, _ = strconv.ParseInt(n.exp, 10, 64)
	}
	if n.expNeg {
		return -e
	}
	return e
}

// numberCost returns why the number literal s is refused under lim's
// number limits, or "".
func numberCost(s string, lim Limits) string {
	if len(s) <= lim.MaxNumberDigits && !strings.ContainsAny(s, "eE") {
		return "" // the common case: no exponent, and few enough digits
	}
	n, ok := parseNumber(s)
	if !ok {
		return ""
	}
	if d := len(n.whole) + len(n.frac); d > lim.MaxNumberDigits {
		return fmt.Sprintf("number %s is written with %d digits; the limit (max number digits) is %d", abbreviate(s), d, lim.MaxNumberDigits)
	}
	if !n.expAtMost(lim.MaxNumberExponent) {
		e := cmp.Or(n.exp, "0")
		if n.expNeg {
			e = "-" + e
		}
		return fmt.Sprintf("number %s has exponent %s; the limit (max number exponent) is %d", abbreviate(s), abbreviate(e), lim.MaxNumberExponent)
	}
	return ""
}

// countKeywords take a non-negative integer that the validator stores as an
// int, converted through float64: beyond 2^53 a count silently changes
// (9007199254740993 becomes …992), and a schema saying "maxLength": 1e400
// rejected every string instead of none.
var countKeywords = map[string]bool{
	"maxLength": true, "minLength": true, "maxItems": true, "minItems": true,
	"maxProperties": true, "minProperties": true, "maxContains": true, "minContains": true,
}

// maxCount is 2^53, the largest count a float64 holds exactly.
const maxCount = 1 << 53

// countCost returns why the number literal s is refused as the value of
// the count keyword kw, or "". The value is read exactly from the text.
// Only a value too large for the validator is refused wherever kw appears
// ($ref can make any part of a document a schema, and the metaschema does
// not bound counts); a negative or fractional one only where kw is a
// keyword of a schema (elsewhere it is data, such as an example, and the
// metaschema judges whatever $ref turns into a schema).
func countCost(kw, s string, keyword bool) string {
	n, ok := parseNumber(s)
	if !ok {
		return ""
	}
	m := strings.TrimLeft(n.whole+n.frac, "0")
	if m == "" {
		return "" // zero, however written
	}
	sig := strings.TrimRight(m, "0")
	// The value is sig × 10^scale, and sig ends in a non-zero digit.
	scale := n.expValue() - int64(len(n.frac)) + int64(len(m)-len(sig))
	if scale < 0 || n.neg {
		if keyword {
			return fmt.Sprintf("%s must be a non-negative integer, not %s", kw, abbreviate(s))
		}
		return ""
	}
	if int64(len(sig))+scale <= 16 { // below 10^16: exact in a uint64
		v, _ := strconv.ParseUint(sig, 10, 64)
		for range scale {
			v *= 10
		}
		if v <= maxCount {
			return ""
		}
	}
	return fmt.Sprintf("%s is %s; counts above 2^53 cannot be represented exactly", kw, abbreviate(s))
}
