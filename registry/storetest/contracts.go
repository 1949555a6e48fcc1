package storetest

import (
	"testing"
	"time"

	"github.com/batonhq/baton/registry"
	"github.com/google/go-cmp/cmp"
)

// contractHistory: contract versions are kept per (service, subject),
// listed by kind then version, replaced only under the same number, and
// never mixed up between services or between subjects that share a prefix.
func contractHistory(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cv := func(service, subject string, kind registry.RelationKind, v int, text string) registry.ContractVersion {
		return registry.ContractVersion{Service: service, Subject: subject, Kind: kind, Version: v,
			Contract: text, Fingerprint: "fp-" + text, Registered: at.Add(time.Duration(v) * time.Minute)}
	}
	got, err := s.ContractVersions(ctx, "billing", "OrderPlaced")
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty history = %v, %v; want an empty list", got, err)
	}
	puts := []registry.ContractVersion{
		cv("billing", "OrderPlaced", registry.Consumes, 2, `{"required":["b"]}`),
		cv("billing", "OrderPlaced", registry.Consumes, 1, `{"required":["a"]}`),
		cv("billing", "OrderPlaced", registry.Sends, 1, `{"type":"object"}`),
		cv("billing", "OrderPlaced", registry.Consumes, 10, `{"required":["j"]}`), // sorts after 2 as a number
		cv("billing", "OrderPlaced.v2", registry.Consumes, 1, `{"required":["other subject"]}`),
		cv("billing", "Order", registry.Consumes, 1, `{"required":["prefix subject"]}`),
		cv("shipping", "OrderPlaced", registry.Consumes, 1, `{"required":["other service"]}`),
	}
	for _, p := range puts {
		if err := s.PutContractVersion(ctx, p); err != nil {
			t.Fatalf("PutContractVersion(%+v): %v", p, err)
		}
	}
	// A registration retried under the same number replaces its entry.
	retried := cv("billing", "OrderPlaced", registry.Consumes, 10, `{"required":["k"]}`)
	if err := s.PutContractVersion(ctx, retried); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		service, subject string
		want             []registry.ContractVersion
	}{
		{"billing", "OrderPlaced", []registry.ContractVersion{puts[1], puts[0], retried, puts[2]}},
		{"billing", "OrderPlaced.v2", []registry.ContractVersion{puts[4]}},
		{"billing", "Order", []registry.ContractVersion{puts[5]}},
		{"shipping", "OrderPlaced", []registry.ContractVersion{puts[6]}},
		{"shipping", "Order", []registry.ContractVersion{}},
		{"nobody", "OrderPlaced", []registry.ContractVersion{}},
	} {
		got, err := s.ContractVersions(ctx, tc.service, tc.subject)
		if err != nil {
			t.Fatalf("ContractVersions(%s, %s): %v", tc.service, tc.subject, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ContractVersions(%s, %s) (-want +got):\n%s", tc.service, tc.subject, diff)
		}
	}
}
