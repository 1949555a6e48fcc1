package registry

import (
	"context"
	"time"
)

// AuditEntry records one write request: who made it, what it asked, when,
// and how it ended. Refused and failed writes (401, 403, 409, ...) are
// recorded as well as successful ones. Entries never hold credentials.
type AuditEntry struct {
	// ID orders entries; the store assigns it (ascending, never reused).
	ID int64 `json:"id"`
	// Time is when the request finished, in UTC (RFC 3339 in JSON).
	Time time.Time `json:"time"`
	// Who is the token name, or "anonymous" when auth is off or the
	// request carried no valid credentials.
	Who string `json:"who"`
	// Method and Route are the HTTP method and the matched route template,
	// e.g. POST /subjects/{subject}/versions.
	Method string `json:"method"`
	Route  string `json:"route"`
	// Subject or Service is what the request wrote, when the route names one.
	Subject string `json:"subject,omitempty"`
	Service string `json:"service,omitempty"`
	// Version and SchemaID are known for publishes and version deletes.
	Version  int   `json:"version,omitempty"`
	SchemaID int64 `json:"schemaId,omitempty"`
	// Force is set when the request asked to publish or register despite
	// breaking registered consumers or senders (?force=true).
	Force bool `json:"force,omitempty"`
	// Status is the HTTP status answered; ErrorCode and Message the
	// Confluent error_code and message of a failure.
	Status    int    `json:"status"`
	ErrorCode int    `json:"errorCode,omitempty"`
	Message   string `json:"message,omitempty"`
	// RequestID is the X-Request-Id of the request, to find its log lines.
	RequestID string `json:"requestId,omitempty"`
}

// AuditQuery pages through the audit log in ascending id order.
type AuditQuery struct {
	After int64 // only entries with ID > After (0: from the oldest kept)
	Limit int   // at most this many; <= 0 or above MaxAuditLimit: MaxAuditLimit
}

// Audit log sizes.
const (
	// DefaultAuditLimit is the page size when a request names none.
	DefaultAuditLimit = 100
	// MaxAuditLimit is the largest page a query returns.
	MaxAuditLimit = 1000
	// DefaultAuditRetention is how many entries the stores keep by default;
	// older ones are dropped as new ones arrive (Redis trims approximately,
	// so it may keep up to a few hundred more).
	DefaultAuditRetention = 100_000
	// maxAuditMessage bounds the message kept per entry.
	maxAuditMessage = 512
)

// EffectiveLimit returns the page size q asks for, within bounds.
func (q AuditQuery) EffectiveLimit() int {
	if q.Limit <= 0 || q.Limit > MaxAuditLimit {
		return MaxAuditLimit
	}
	return q.Limit
}

// Normalize prepares e for storing: UTC time (now when unset) and a
// message of bounded length.
func (e AuditEntry) Normalize(now time.Time) AuditEntry {
	if e.Time.IsZero() {
		e.Time = now
	}
	e.Time = e.Time.UTC()
	if len(e.Message) > maxAuditMessage {
		cut := maxAuditMessage
		for cut > 0 && e.Message[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		e.Message = e.Message[:cut] + "..."
	}
	return e
}

// AppendAudit stores e in the audit log and returns it with its ID.
func (s *Registrar) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	e = e.Normalize(s.now())
	id, err := s.store.AppendAudit(ctx, e)
	if err != nil {
		return AuditEntry{}, s.fail(err)
	}
	e.ID = id
	return e, nil
}

// Audit returns a page of the audit log.
func (s *Registrar) Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	if q.After < 0 {
		return nil, Errorf(KindInvalid, CodeInvalidRequest, "after must not be negative, got %d", q.After)
	}
	q.Limit = q.EffectiveLimit()
	es, err := s.store.Audit(ctx, q)
	if err != nil {
		return nil, s.fail(err)
	}
	if es == nil {
		es = []AuditEntry{}
	}
	return es, nil
}
