// Package auth is Baton's access policy: the token file (`baton serve
// --auth FILE`), how credentials are checked, and what each role and each
// service ownership allows. The HTTP layer only maps routes to an Access
// (registry/httpapi/auth.go) and asks the Authorizer.
//
// A token file lists tokens by name with a role and, for write tokens, the
// services the token owns. Secrets are never stored, only their SHA-256
// (`baton token hash` prints the line for a secret):
//
//	tokens:
//	  - name: ci-order
//	    role: write
//	    services: [order]
//	    hash: sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
//	  - name: ops
//	    role: admin
//	    hash: sha256:...
package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/batonhq/baton/registry"
)

// Role is what a token may do, each role including the one before.
type Role int

const (
	RoleRead  Role = iota + 1 // every GET and the dry runs (lookup, compatibility, impact)
	RoleWrite                 // publish versions, register services, per-subject config
	RoleAdmin                 // everything: global config, deletes, the audit log
)

func (r Role) String() string {
	switch r {
	case RoleRead:
		return "read"
	case RoleWrite:
		return "write"
	case RoleAdmin:
		return "admin"
	}
	return "none"
}

// parseRole reads a role name as the token file spells it.
func parseRole(s string) (Role, bool) {
	for _, r := range []Role{RoleRead, RoleWrite, RoleAdmin} {
		if s == r.String() {
			return r, true
		}
	}
	return 0, false
}

// Token is one entry of the token file.
type Token struct {
	Name string
	Role Role
	// Services restricts a write token to the subjects these services own
	// and to registering these services. Empty: unrestricted.
	Services []string
	Line     int      // line of the entry in the file
	hash     [32]byte // SHA-256 of the secret
}

// Restricted reports whether t may write only what its services own.
func (t *Token) Restricted() bool { return t.Role == RoleWrite && len(t.Services) > 0 }

// hashPrefix starts every stored hash.
const hashPrefix = "sha256:"

// MinSecretLen is the shortest secret HashSecret accepts: secrets are
// stored as an unsalted SHA-256, which is only safe for random secrets.
const MinSecretLen = 16

// HashSecret returns the token file form of a secret's hash,
// "sha256:<64 hex digits>".
func HashSecret(secret string) (string, error) {
	if len(secret) < MinSecretLen {
		return "", fmt.Errorf("secret is %d bytes; use a random secret of at least %d (e.g. openssl rand -hex 32)", len(secret), MinSecretLen)
	}
	if strings.ContainsAny(secret, " \t\r\n") {
		return "", errors.New("secret contains white space; HTTP clients would not send it unchanged")
	}
	sum := sha256.Sum256([]byte(secret))
	return hashPrefix + hex.EncodeToString(sum[:]), nil
}

func parseHash(s string) ([32]byte, bool) {
	var h [32]byte
	hexPart, ok := strings.CutPrefix(s, hashPrefix)
	if !ok || len(hexPart) != 64 {
		return h, false
	}
	n, err := hex.Decode(h[:], []byte(hexPart))
	return h, err == nil && n == 32
}

// FileError is a problem in a token file, with its line when known.
type FileError struct {
	File string
	Line int
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// maxFileBytes bounds a token file.
const maxFileBytes = 1 << 20

// LoadFile reads and checks a token file.
func LoadFile(path string) ([]Token, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &FileError{File: path, Msg: fmt.Sprintf("cannot read token file: %v", errors.Unwrap(err))}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, &FileError{File: path, Msg: fmt.Sprintf("cannot read token file: %v", err)}
	}
	if len(data) > maxFileBytes {
		return nil, &FileError{File: path, Msg: fmt.Sprintf("token file is larger than %d bytes", maxFileBytes)}
	}
	return Parse(path, data)
}

// tokenFields are the keys of a token entry; anything else is refused.
var tokenFields = []string{"name", "role", "services", "hash"}

// Parse reads a token file's contents (file names it in errors). Decoding
// is strict: unknown keys, a plaintext secret, duplicate names or secrets,
// unknown roles and malformed hashes are errors naming the line.
func Parse(file string, data []byte) ([]Token, error) {
	fail := func(line int, format string, args ...any) error {
		return &FileError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fail(0, "token file is empty: expected a top-level \"tokens:\" list")
		}
		var line int
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
			msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		}
		return nil, fail(line, "invalid YAML: %s", msg)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fail(extra.Line, "more than one YAML document")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fail(root.Line, "expected a mapping with a \"tokens:\" list")
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "tokens" {
			return nil, fail(k.Line, "unknown field %q (the file has only \"tokens\")", k.Value)
		}
		list = v
	}
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		line := root.Line
		if list != nil {
			line = list.Line
		}
		return nil, fail(line, "\"tokens\" must be a non-empty list: with no token every request would be refused")
	}
	var out []Token
	names, hashes := map[string]int{}, map[[32]byte]string{}
	for _, n := range list.Content {
		if n.Kind != yaml.MappingNode {
			return nil, fail(n.Line, "a token must be a mapping with name, role, hash and optional services")
		}
		t := Token{Line: n.Line}
		var hash string
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case !slices.Contains(tokenFields, k.Value):
				hint := ""
				if k.Value == "secret" || k.Value == "token" || k.Value == "password" {
					hint = ": store only the hash of a secret (baton token hash)"
				}
				return nil, fail(k.Line, "unknown field %q in token (fields: %s)%s", k.Value, strings.Join(tokenFields, ", "), hint)
			case seen[k.Value]:
				return nil, fail(k.Line, "field %q given twice", k.Value)
			case k.Value == "services":
				if v.Kind != yaml.SequenceNode {
					return nil, fail(v.Line, "services must be a list of service names")
				}
				for _, s := range v.Content {
					if s.Kind != yaml.ScalarNode || !registry.ValidName(s.Value) {
						return nil, fail(s.Line, "invalid service name %q", s.Value)
					}
					if slices.Contains(t.Services, s.Value) {
						return nil, fail(s.Line, "service %s listed twice", s.Value)
					}
					t.Services = append(t.Services, s.Value)
				}
			case v.Kind != yaml.ScalarNode:
				return nil, fail(v.Line, "%s must be a string", k.Value)
			case k.Value == "name":
				t.Name = v.Value
			case k.Value == "role":
				r, ok := parseRole(v.Value)
				if !ok {
					return nil, fail(v.Line, "role %q is not read, write or admin", v.Value)
				}
				t.Role = r
			case k.Value == "hash":
				hash = v.Value
				h, ok := parseHash(v.Value)
				if !ok {
					return nil, fail(v.Line, "hash must be %s followed by 64 hex digits (baton token hash prints it)", hashPrefix)
				}
				t.hash = h
			}
			seen[k.Value] = true
		}
		switch {
		case t.Name == "":
			return nil, fail(n.Line, "token has no name")
		case !registry.ValidName(t.Name):
			return nil, fail(n.Line, "invalid token name %q: letters, digits, '.', '_' and '-' (it is the user name of HTTP Basic auth)", t.Name)
		case t.Role == 0:
			return nil, fail(n.Line, "token %s has no role (read, write or admin)", t.Name)
		case hash == "":
			return nil, fail(n.Line, "token %s has no hash", t.Name)
		case len(t.Services) > 0 && t.Role != RoleWrite:
			return nil, fail(n.Line, "token %s: services restrict write tokens only; a %s token cannot have them", t.Name, t.Role)
		}
		if prev, dup := names[t.Name]; dup {
			return nil, fail(n.Line, "token name %s already used on line %d", t.Name, prev)
		}
		if prev, dup := hashes[t.hash]; dup {
			return nil, fail(n.Line, "token %s has the same secret as token %s; every token needs its own", t.Name, prev)
		}
		names[t.Name], hashes[t.hash] = t.Line, t.Name
		out = append(out, t)
	}
	return out, nil
}
