package compat

import (
	"net"
	"strings"
	"unicode/utf8"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// jsonschema/v5 checks several formats more loosely than their RFCs: uri,
// uri-reference, iri and iri-reference are whatever Go's url.Parse
// accepts ("{", "a b" and "https://example.org/foo|bar" pass), uri-template
// only balances braces (it refuses "{#var}" and accepts "{a,,b}"),
// hostname allows a trailing dot, and ipv4 "+1.2.3.4". A witness the
// writer "accepts" under such a check may not be a valid value at all,
// so Compile registers the checkers below, written from the RFCs'
// grammars, with every compiler (validation and witnesses both use them).
// Metaschemas keep v5's own checks, so which schemas load is unchanged.
var strictFormats = map[string]func(any) bool{
	"uri":           stringFormat(func(s string) bool { return isURI(s, false) }),
	"iri":           stringFormat(func(s string) bool { return isURI(s, true) }),
	"uri-reference": stringFormat(func(s string) bool { return isURIReference(s, false) }),
	"uriref":        stringFormat(func(s string) bool { return isURIReference(s, false) }),
	"iri-reference": stringFormat(func(s string) bool { return isURIReference(s, true) }),
	"uri-template":  stringFormat(isURITemplate),
	"hostname":      stringFormat(isHostname),
	"time":          stringFormat(isTime),
	"date-time":     stringFormat(isDateTime),
	"ipv4":          stringFormat(isIPv4),
	"ip-address":    stringFormat(isIPv4),
}

// stringFormat lifts a string check to a format checker: formats say
// nothing about values that are not strings.
func stringFormat(f func(string) bool) func(any) bool {
	return func(v any) bool {
		s, ok := v.(string)
		return !ok || f(s)
	}
}

// isURI: RFC 3986 URI (RFC 3987 IRI when iri),
// scheme ":" hier-part [ "?" query ] [ "#" fragment ].
func isURI(s string, iri bool) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 || !isScheme(s[:i]) {
		return false
	}
	return isRelativePart(s[i+1:], iri, true)
}

// isURIReference: RFC 3986 URI-reference = URI / relative-ref (RFC 3987
// IRI-reference when iri).
func isURIReference(s string, iri bool) bool {
	if i := strings.IndexByte(s, ':'); i > 0 && isScheme(s[:i]) {
		if isRelativePart(s[i+1:], iri, true) {
			return true
		}
	}
	return isRelativePart(s, iri, false)
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && (i == 0 || !(isDigit(c) || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// isRelativePart checks what follows the scheme (hier-part, afterScheme)
// or a whole relative-ref, with its query and fragment:
// "//" authority path-abempty / path-absolute / path-rootless (or, in a
// relative-ref, path-noscheme) / path-empty.
func isRelativePart(s string, iri, afterScheme bool) bool {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		if !allChars(s[i+1:], iri, false, ":@/?") {
			return false
		}
		s = s[:i]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		if !allChars(s[i+1:], iri, true, ":@/?") {
			return false
		}
		s = s[:i]
	}
	if rest, ok := strings.CutPrefix(s, "//"); ok {
		auth := rest
		path := ""
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			auth, path = rest[:i], rest[i:]
		}
		return isAuthority(auth, iri) && isPath(path, iri)
	}
	if !afterScheme && !strings.HasPrefix(s, "/") {
		// path-noscheme: the first segment has no ":".
		first := s
		if i := strings.IndexByte(s, '/'); i >= 0 {
			first = s[:i]
		}
		if strings.IndexByte(first, ':') >= 0 {
			return false
		}
	}
	return isPath(s, iri)
}

// isPath: segments of pchar separated by "/".
func isPath(s string, iri bool) bool {
	for _, seg := range strings.Split(s, "/") {
		if !allChars(seg, iri, false, ":@") {
			return false
		}
	}
	return true
}

// isAuthority: [ userinfo "@" ] host [ ":" port ].
func isAuthority(s string, iri bool) bool {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		if !allChars(s[:i], iri, false, ":") {
			return false
		}
		s = s[i+1:]
	}
	host := s
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 || !isIPLiteral(s[1:end]) {
			return false
		}
		host, s = "", s[end+1:]
		if s != "" && s[0] != ':' {
			return false
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, s = s[:i], s[i:]
	} else {
		s = ""
	}
	if strings.HasPrefix(s, ":") {
		for i := 1; i < len(s); i++ {
			if !isDigit(s[i]) {
				return false
			}
		}
	}
	return allChars(host, iri, false, "")
}

// isIPLiteral: IPv6address / IPvFuture, the inside of "[...]".
func isIPLiteral(s string) bool {
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') {
		dot := strings.IndexByte(s, '.')
		if dot < 2 || dot == len(s)-1 {
			return false
		}
		for i := 1; i < dot; i++ {
			if !isHex(s[i]) {
				return false
			}
		}
		return allChars(s[dot+1:], false, false, ":")
	}
	if !strings.Contains(s, ":") || strings.ContainsAny(s, "%") {
		return false
	}
	if i := strings.LastIndexByte(s, ':'); strings.Contains(s[i:], ".") && !isIPv4(s[i+1:]) {
		return false // an embedded IPv4 address is a dotted quad
	}
	return net.ParseIP(s) != nil
}

// allChars reports whether s consists of unreserved characters,
// pct-encoded octets, sub-delims and the extra ASCII characters given;
// with iri also of ucschar (and, in a query, iprivate) (RFC 3987).
func allChars(s string, iri, query bool, extra string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 3
			continue
		case c < utf8.RuneSelf:
			if !isUnreserved(c) && !strings.ContainsRune("!$&'()*+,;=", rune(c)) && !strings.ContainsRune(extra, rune(c)) {
				return false
			}
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if !iri || !(isUCSChar(r) || (query && isIPrivate(r))) {
				return false
			}
			i += n
			continue
		}
		i++
	}
	return true
}

func isUnreserved(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// isUCSChar: RFC 3987 ucschar.
func isUCSChar(r rune) bool {
	switch {
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFEF:
		return true
	case r >= 0x10000 && r <= 0xEFFFD:
		return r&0xFFFF <= 0xFFFD // every plane but its last two code points
	}
	return false
}

// isIPrivate: RFC 3987 iprivate.
func isIPrivate(r rune) bool {
	return r >= 0xE000 && r <= 0xF8FF || r >= 0xF0000 && r <= 0xFFFFD || r >= 0x100000 && r <= 0x10FFFD
}

// isURITemplate: RFC 6570 URI-Template = *( literals / expression ).
func isURITemplate(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 || !isTemplateExpression(s[i+1:i+end]) {
				return false
			}
			i += end + 1
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 3
		case c < utf8.RuneSelf:
			// Any character but CTL, SP, DQUOTE, "%", "<", ">", "\", "^",
			// "`", "{", "|", "}". The RFC's list also has "'", which its
			// ABNF (%x26 / %x28-3B) left out by mistake; an apostrophe is
			// a literal in the test suite and in URIs (a sub-delim).
			if c <= ' ' || c == 0x7F || strings.IndexByte(`"<>\^`+"`"+`{|}`, c) >= 0 {
				return false
			}
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if !isUCSChar(r) && !isIPrivate(r) {
				return false
			}
			i += n
		}
	}
	return true
}

// isTemplateExpression checks the inside of "{...}":
// [ operator ] varspec *( "," varspec ).
func isTemplateExpression(s string) bool {
	if s != "" && strings.IndexByte("+#./;?&=,!@|", s[0]) >= 0 {
		s = s[1:]
	}
	for _, spec := range strings.Split(s, ",") {
		name := spec
		if i := strings.IndexAny(spec, ":*"); i >= 0 {
			name = spec[:i]
			mod := spec[i:]
			if mod != "*" {
				// prefix: ":" a positive integer below 10000, no leading 0.
				digits := mod[1:]
				if len(digits) < 1 || len(digits) > 4 || digits[0] == '0' {
					return false
				}
				for j := 0; j < len(digits); j++ {
					if !isDigit(digits[j]) {
						return false
					}
				}
			}
		}
		if !isVarname(name) {
			return false
		}
	}
	return true
}

// isVarname: varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" / pct-encoded.
func isVarname(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c) || isDigit(c) || c == '_' || c == '.':
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

// isHostname: RFC 1123 host name: dot-separated labels of letters, digits
// and inner hyphens, each 1-63 characters, 253 in all, no trailing dot,
// and (RFC 1123 2.1) not all digits in the highest-level label, so that
// a host name never looks like an IPv4 address. ("xn--" labels are not
// checked against IDNA2008, as v5 does not.)
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return false
	}
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !isAlpha(c) && !isDigit(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

// isTime: RFC 3339 full-time. v5's check reads its two-digit fields with
// strconv.Atoi, which also takes "+1"; the fields are required to be
// digits here, then v5's check (ranges, leap second) applies.
func isTime(s string) bool {
	// hh:mm:ss[.frac](Z|±hh:mm)
	if len(s) < 9 || !twoDigits(s[0:]) || !twoDigits(s[3:]) || !twoDigits(s[6:]) {
		return false
	}
	if off := len(s) - 6; off > 8 && (s[off] == '+' || s[off] == '-') && (!twoDigits(s[off+1:]) || !twoDigits(s[off+4:])) {
		return false
	}
	return js.Formats["time"](s)
}

// isDateTime: RFC 3339 date-time, full-date "T" full-time.
func isDateTime(s string) bool {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') {
		return false
	}
	return js.Formats["date"](s[:10]) && isTime(s[11:])
}

func twoDigits(s string) bool { return len(s) >= 2 && isDigit(s[0]) && isDigit(s[1]) }

// isIPv4: RFC 2673 dotted-quad, decimal octets without leading zeros.
func isIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || (len(p) > 1 && p[0] == '0') {
			return false
		}
		n := 0
		for i := 0; i < len(p); i++ {
			if !isDigit(p[i]) {
				return false
			}
			n = n*10 + int(p[i]-'0')
		}
		if n > 255 {
			return false
		}
	}
	return true
}

// formatExamples are values of each asserted format, of different shapes,
// for witnesses: a writer with one format and a reader with another
// (email vs regex, uri vs uri-template) differ on values like these, not
// on the plain strings tried first. Each is valid by its format's RFC
// (TestWitnessStringsByFormat keeps the list reviewed).
var formatExamples = map[string][]string{
	"date":                  {"2024-01-31", "2024-02-29"},
	"date-time":             {"2024-01-31T12:00:00Z", "2024-01-31T23:59:59.5+01:00"},
	"time":                  {"12:00:00Z", "23:59:59.5-08:00"},
	"duration":              {"P1D", "PT1H", "P1W"},
	"email":                 {"a@example.com", "a.b+c@example.com", `"a(b"@example.com`, "a@[127.0.0.1]"},
	"hostname":              {"example.com", "a-b", "x"},
	"ipv4":                  {"127.0.0.1", "0.0.0.0"},
	"ip-address":            {"127.0.0.1"},
	"ipv6":                  {"::1", "fe80::1", "::ffff:127.0.0.1"},
	"uri":                   {"https://example.com/x", "urn:a:b", "https://example.com/a(b", "http://[::1]/", "a:%7B"},
	"iri":                   {"https://example.com/é", "urn:é", "https://example.com/a(b"},
	"uri-reference":         {"", "a", "/a", "#f", "a(b", "//example.com"},
	"uriref":                {"a", "/a"},
	"iri-reference":         {"é", "/é", "a(b"},
	"uri-template":          {"{x}", "/a{?q}", "a(b", "a:b"},
	"regex":                 {"a", "a|b", "^x$", "a{2}", "(?:x)"},
	"json-pointer":          {"", "/a", "/a~0b", "/0", "/a b", "/("},
	"relative-json-pointer": {"0", "1/a", "0#", "0/a b", "0/("},
	"uuid":                  {"00000000-0000-0000-0000-000000000000", "123e4567-e89b-12d3-a456-426614174000"},
	"period":                {"2024-01-31T12:00:00Z/P1D"},
}

// formatImplies says which formats' values all satisfy another format's
// check (as Baton checks them), so a reader asserting the second format
// accepts a writer's strings of the first. Each entry follows from the
// characters the first format's values can contain:
//   - ipv4, hostname, date, uuid and duration values are letters, digits,
//     "-" and "." only: a relative reference (no ":" in the first
//     segment), a URI template literal, and a regular expression ("." is
//     a wildcard, "-" a literal); dates and uuids are hyphenated labels
//     of at most 63 characters that are not all digits, so host names;
//     so are durations (a "P", digits and unit letters);
//   - time and date-time add ":", "T", "Z" and a "+" or "-" after a digit:
//     template literals, and a regular expression ("0+" repeats a digit);
//   - ipv6 values are hex digits, ":" and ".": template literals and a
//     regular expression;
//   - a URI is a URI reference and an IRI, each of them an IRI reference,
//     and all of their characters are template literals.
var formatImplies = map[string][]string{
	"ipv4":          {"ip-address", "uri-reference", "uriref", "iri-reference", "uri-template", "regex"},
	"ip-address":    {"ipv4", "uri-reference", "uriref", "iri-reference", "uri-template", "regex"},
	"hostname":      {"uri-reference", "uriref", "iri-reference", "uri-template", "regex"},
	"date":          {"hostname", "uri-reference", "uriref", "iri-reference", "uri-template", "regex"},
	"uuid":          {"hostname", "uri-reference", "uriref", "iri-reference", "uri-template", "regex"},
	"duration":      {"hostname", "uri-reference", "uriref", "iri-reference", "uri-template", "regex"},
	"time":          {"uri-template", "regex"},
	"date-time":     {"uri-template", "regex"},
	"ipv6":          {"uri-template", "regex"},
	"uri":           {"uri-reference", "uriref", "iri", "iri-reference", "uri-template"},
	"iri":           {"iri-reference", "uri-template"},
	"uri-reference": {"uriref", "iri-reference", "uri-template"},
	"uriref":        {"uri-reference", "iri-reference", "uri-template"},
	"iri-reference": {"uri-template"},
}

// impliesFormat reports whether every string of format w has format r.
func impliesFormat(w, r string) bool {
	if w == r {
		return true
	}
	for _, f := range formatImplies[w] {
		if f == r {
			return true
		}
	}
	return false
}
