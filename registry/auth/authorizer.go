package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/batonhq/baton/registry"
)

// Access is what a route requires. Every route of the HTTP API declares
// one (registry/httpapi/auth.go); the Authorizer decides what it means.
type Access int

const (
	// Open routes need no credentials: /healthz, /readyz, GET /.
	Open Access = iota
	// Read: any valid token (every GET, lookup, compatibility, impact).
	Read
	// WriteSubject: a write token that may write the request's subject
	// (publish a version, set or delete the subject's config).
	WriteSubject
	// WriteService: a write token that may register the request's service
	// (PUT /v1/services/{name}) and claim the messages it owns.
	WriteService
	// Admin: an admin token (global config, deletes, the audit log).
	Admin
)

func (a Access) String() string {
	switch a {
	case Open:
		return "open"
	case Read:
		return "read"
	case WriteSubject:
		return "write (subject)"
	case WriteService:
		return "write (service)"
	}
	return "admin"
}

// Ownership tells who owns a subject. *registry.Registrar implements it.
type Ownership interface {
	// SubjectOwners returns the registered services that own subject
	// (produce the event or handle the command), sorted, and whether the
	// subject ever had a version.
	SubjectOwners(ctx context.Context, subject string) (owners []string, used bool, err error)
}

// Authorizer checks credentials against a token file and decides what a
// token may do. It is safe for concurrent use.
type Authorizer struct {
	tokens   []Token
	nameSums [][32]byte // SHA-256 of each token's name, compared in constant time
	owners   Ownership
}

// New returns an Authorizer over tokens; owners answers ownership
// questions for restricted write tokens.
func New(tokens []Token, owners Ownership) *Authorizer {
	a := &Authorizer{tokens: slices.Clone(tokens), owners: owners}
	for _, t := range a.tokens {
		a.nameSums = append(a.nameSums, sha256.Sum256([]byte(t.Name)))
	}
	return a
}

// Request is what an authorization decision needs to know of a request.
type Request struct {
	Access  Access
	Method  string // for messages
	Route   string // route template, for messages
	Subject string // WriteSubject: the subject written
	Service string // WriteService: the service registered
	// Claims are the subjects the registered service would own (its
	// produces and handles), WriteService only.
	Claims []string
}

func unauthorized(format string, args ...any) error {
	return registry.Errorf(registry.KindUnauthorized, registry.CodeUnauthorized, format, args...)
}

func forbidden(format string, args ...any) error {
	return registry.Errorf(registry.KindForbidden, registry.CodeForbidden, format, args...)
}

// Authenticate returns the token an Authorization header names, or a
// KindUnauthorized error (40101) that never repeats the credentials.
// Accepted: "Basic base64(name:secret)" (what Confluent clients send with
// basic.auth.user.info) and "Bearer secret".
func (a *Authorizer) Authenticate(header string) (*Token, error) {
	if header == "" {
		return nil, unauthorized("authentication required: send Authorization: Basic base64(<token name>:<secret>) or Bearer <secret>")
	}
	scheme, cred, _ := strings.Cut(header, " ")
	cred = strings.TrimSpace(cred)
	var name, secret string
	byName := false
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		secret = cred
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return nil, unauthorized("malformed Basic credentials: expected base64 of <token name>:<secret>")
		}
		var ok bool
		name, secret, ok = strings.Cut(string(raw), ":")
		if !ok {
			return nil, unauthorized("malformed Basic credentials: expected base64 of <token name>:<secret>")
		}
		byName = true
	default:
		return nil, unauthorized("unsupported authorization scheme: use Basic or Bearer")
	}
	if t := a.match(name, secret, byName); t != nil {
		return t, nil
	}
	return nil, unauthorized("invalid credentials: unknown token name or wrong secret")
}

// match finds the token with secret (and name, for Basic). It compares
// against every token, without stopping at a match or a name mismatch, in
// constant time per token, so timing reveals neither which names exist
// nor how much of a secret was right.
func (a *Authorizer) match(name, secret string, byName bool) *Token {
	sum := sha256.Sum256([]byte(secret))
	// Names are compared as fixed-size hashes too, so a name of another
	// length takes as long as a match.
	given := sha256.Sum256([]byte(name))
	found := -1
	anyName := 1
	if byName {
		anyName = 0
	}
	for i := range a.tokens {
		hashOK := subtle.ConstantTimeCompare(sum[:], a.tokens[i].hash[:])
		nameOK := subtle.ConstantTimeCompare(given[:], a.nameSums[i][:]) | anyName
		found = subtle.ConstantTimeSelect(hashOK&nameOK, i, found)
	}
	if found < 0 {
		return nil
	}
	return &a.tokens[found]
}

// Authorize decides whether t may make req: nil, a KindForbidden error
// (40301) naming the permission or subject that is missing, or the store's
// error when ownership could not be read. t is nil only for Open routes.
func (a *Authorizer) Authorize(ctx context.Context, t *Token, req Request) error {
	if req.Access == Open {
		return nil
	}
	if t == nil {
		return unauthorized("authentication required")
	}
	what := strings.TrimSpace(req.Method + " " + req.Route)
	need := func(r Role) error {
		if t.Role >= r {
			return nil
		}
		return forbidden("token %s has role %s; %s needs the %s role", t.Name, t.Role, what, r)
	}
	switch req.Access {
	case Read:
		return need(RoleRead)
	case WriteSubject:
		if err := need(RoleWrite); err != nil || !t.Restricted() {
			return err
		}
		return a.mayWrite(ctx, t, req.Subject, "")
	case WriteService:
		if err := need(RoleWrite); err != nil || !t.Restricted() {
			return err
		}
		if !slices.Contains(t.Services, req.Service) {
			return forbidden("token %s may register only its services (%s), not service %s", t.Name, strings.Join(t.Services, ", "), registry.Clip(req.Service))
		}
		for _, s := range req.Claims {
			if err := a.mayWrite(ctx, t, s, req.Service); err != nil {
				return err
			}
		}
		return nil
	}
	return need(RoleAdmin)
}

// mayWrite is the ownership rule for restricted write tokens: a subject
// owned by registered services may be written by a token of one of them; a
// subject nobody owns may be claimed (by registering the service that
// produces or handles it) while it has no versions yet, and is otherwise
// reserved to unrestricted write and admin tokens. Publishing always needs
// ownership, so registering the service comes first (as baton publish
// does). No restricted token can thus write a subject another team owns or
// already uses.
func (a *Authorizer) mayWrite(ctx context.Context, t *Token, subject, claimer string) error {
	owners, used, err := a.owners.SubjectOwners(ctx, subject)
	if err != nil {
		return err
	}
	for _, o := range owners {
		if slices.Contains(t.Services, o) {
			return nil
		}
	}
	verb := "write subject " + registry.Clip(subject)
	if claimer != "" {
		verb = fmt.Sprintf("register service %s as the owner of %s", claimer, registry.Clip(subject))
	}
	switch {
	case len(owners) > 0:
		return forbidden("token %s may not %s: it is owned by service %s, and the token writes only for %s",
			t.Name, verb, strings.Join(owners, ", "), strings.Join(t.Services, ", "))
	case claimer == "":
		return forbidden("token %s may not %s: no registered service owns it yet; register the service that produces or handles it first (PUT /v1/services/{name}; baton publish does that first), then publish",
			t.Name, verb)
	case used:
		return forbidden("token %s may not %s: it already has versions but no registered owner; only an unrestricted write token or an admin may claim it",
			t.Name, verb)
	}
	return nil
}
