package registry_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/batonhq/baton/registry"
)

// newCacheEstate: orders@a1 and notification@n1 run in prod; orders@a2
// (OrderPlaced with a required coupon) is recorded, and notification
// versions n2 … n<named+1>, whose contract needs the coupon, are recorded
// but not deployed: each is blocked by orders@a1.
func newCacheEstate(t *testing.T, maxNamed, named int) *estate {
	t.Helper()
	e := newEstateWith(t, registry.Options{MaxNamedVersions: maxNamed})
	e.producer("orders", "OrderPlaced", placedV1, "a1")
	e.consumer("notification", "OrderPlaced", readsID, "n1", false)
	e.deploy("prod", "orders", "a1", false)
	e.deploy("prod", "notification", "n1", false)
	e.producer("orders", "OrderPlaced", placedV2, "a2")
	e.consumer("notification", "OrderPlaced", readsCp, "n2", false)
	for i := 3; i <= named+1; i++ {
		if _, err := e.reg.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "notification", Version: fmt.Sprintf("n%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// blockedByA1 checks a can-i-deploy answer for one named notification
// version: blocked by orders@a1, and by nothing else.
func blockedByA1(rep registry.DeployReport) error {
	if rep.Deployable || len(rep.Items) != 1 || rep.Items[0].Counterpart != "orders" || rep.Items[0].CounterpartVersion != "a1" || rep.Items[0].Compatible {
		return fmt.Errorf("answer %+v; want blocked by orders@a1 alone", rep)
	}
	return nil
}

// TestSnapshotCacheEviction: named (not deployed) versions beyond
// MaxNamedVersions leave the cache least recently used first, from the
// versions and from the subject index; deployed versions stay; a version
// checked again after eviction is read again and answers the same.
// Steps: "can V" asks can-i-deploy for notification@V in prod (a version
// asked before must get the answer it got first), "deploy V" deploys it
// there (replacing n1), "held V"/"gone V" assert the cache holds (with its
// one relation indexed) or no longer holds notification@V, or orders@V
// when V starts with "a".
func TestSnapshotCacheEviction(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxNamed int
		steps    []string
	}{
		{"oldest named version goes first", 2, []string{
			"can n2", "can n3", "held n2", "held n3", "can n4", "gone n2", "held n3", "held n4", "held n1", "held a1"}},
		{"a re-check makes a version recent", 2, []string{
			"can n2", "can n3", "can n2", "can n4", "gone n3", "held n2", "held n4"}},
		{"deployed versions are never evicted", 1, []string{
			"can n2", "can n3", "can n4", "can n5", "can n6", "held a1", "held n1", "held n6", "gone n2", "gone n5"}},
		{"an evicted version is read again with the same answer", 1, []string{
			"can n2", "can n3", "gone n2", "can n2", "held n2", "gone n3", "can n3", "held n3", "gone n2"}},
		{"a version deployed after it was named stays", 1, []string{
			"can n2", "deploy n2", "can n3", "can n4", "can n5", "held n2", "held n5", "gone n3", "gone n4"}},
		{"an undeployed version becomes evictable", 1, []string{
			"can n2", "held n1", "deploy n3", "can n4", "gone n1", "gone n2", "held n3", "held n4", "can n2", "gone n4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newCacheEstate(t, tc.maxNamed, 5)
			first := map[string]registry.DeployReport{}
			for _, step := range tc.steps {
				op, v, _ := strings.Cut(step, " ")
				r := ref("notification", v)
				if strings.HasPrefix(v, "a") {
					r = ref("orders", v)
				}
				switch op {
				case "can":
					rep := e.can("prod", r)
					if err := blockedByA1(rep); err != nil {
						t.Fatalf("%s: %v", step, err)
					}
					if was, ok := first[v]; ok && !reflect.DeepEqual(was, rep) {
						t.Fatalf("%s: answer %+v, first answer %+v", step, rep, was)
					}
					first[v] = rep
				case "deploy":
					e.deploy("prod", r.Service, r.Version, false)
				case "held", "gone":
					cached, indexed := registry.SnapshotCached(e.reg, r)
					if want := op == "held"; cached != want || indexed != map[bool]int{true: 1}[want] {
						t.Fatalf("%s: cached %v with %d index entries", step, cached, indexed)
					}
				default:
					t.Fatalf("bad step %q", step)
				}
			}
		})
	}
}

// TestSnapshotCacheBounded: asking about ten times MaxNamedVersions
// distinct versions never holds more than the deployed versions and
// MaxNamedVersions named ones, in versions and in index entries.
func TestSnapshotCacheBounded(t *testing.T) {
	const maxNamed, named = 8, 80
	e := newCacheEstate(t, maxNamed, named)
	const deployed = 2 // orders@a1, notification@n1, one relation each
	for i := 2; i <= named+1; i++ {
		if err := blockedByA1(e.can("prod", ref("notification", fmt.Sprintf("n%d", i)))); err != nil {
			t.Fatalf("n%d: %v", i, err)
		}
		versions, indexed := registry.SnapshotEntries(e.reg)
		if want := deployed + min(i-1, maxNamed); versions != want || indexed != want {
			t.Fatalf("after n%d: %d versions, %d index entries; want %d of each", i, versions, indexed, want)
		}
	}
	for i := named + 2 - maxNamed; i <= named+1; i++ {
		if cached, _ := registry.SnapshotCached(e.reg, ref("notification", fmt.Sprintf("n%d", i))); !cached {
			t.Errorf("n%d, among the %d most recent, is not cached", i, maxNamed)
		}
	}
}

// TestSnapshotCacheConcurrent: concurrent checks that each name two
// versions, with room for one named version, all get the answer they get
// alone: a version a request uses is not evicted under it (run with -race).
func TestSnapshotCacheConcurrent(t *testing.T) {
	const workers, rounds = 4, 5
	e := newCacheEstate(t, 1, workers)
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				// Both at once: orders@a2 gives the coupon notification@n<w+2> needs.
				rep, err := e.reg.CanIDeploy(ctx, "prod", []registry.ServiceRef{ref("orders", "a2"), ref("notification", fmt.Sprintf("n%d", w+2))})
				if err == nil && (!rep.Deployable || len(rep.Items) != 1 || rep.Items[0].Counterpart == "") {
					err = fmt.Errorf("answer %+v; want deployable, the two named versions checked against each other", rep)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	versions, _ := registry.SnapshotEntries(e.reg)
	if versions != 3 {
		t.Errorf("%d versions cached after the checks; want orders@a1, notification@n1 and one named", versions)
	}
}

// TestPlanLimits: more than 16 services is refused saying the limit and
// how to split; the search runs within its check budget, and a plan that
// no order can satisfy is proven from the first checks without a search.
func TestPlanLimits(t *testing.T) {
	e := newCacheEstate(t, 0, 1)
	var many []registry.ServiceRef
	for i := range 17 {
		many = append(many, ref(fmt.Sprintf("svc%d", i), "1"))
	}
	_, err := e.reg.Plan(ctx, "prod", many)
	re := wantCode(t, "17 services", err, registry.CodeInvalidRequest)
	for _, w := range []string{"at most 16 services, not 17", "split them into plans of at most 16"} {
		if !strings.Contains(re.Message, w) {
			t.Errorf("message %q lacks %q", re.Message, w)
		}
	}
	// audit relates to nothing: it can go any time.
	if _, err := e.reg.RegisterService(ctx, registry.Service{Name: "audit"}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "audit", Version: "1"}); err != nil {
		t.Fatal(err)
	}
	// notification@n2 waits for orders@a2: three checks (each version
	// against prod as it is, then n2 after a2). With audit beside a
	// blocked n2, a search would take a third check (n2 after audit).
	both := []registry.ServiceRef{ref("notification", "n2"), ref("orders", "a2")}
	for _, tc := range []struct {
		name   string
		checks int
		refs   []registry.ServiceRef
		want   string // first step, or what the error or block says
	}{
		{"order within the budget", 3, both, "orders@a2"},
		{"budget exhausted", 2, both, "plan gave up after 2 checks"},
		{"blocked from outside the plan, proven without a search", 2, []registry.ServiceRef{ref("notification", "n2"), ref("audit", "1")}, "not in the plan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			registry.SetPlanChecks(e.reg, tc.checks)
			p, err := e.reg.Plan(ctx, "prod", tc.refs)
			var got string
			switch {
			case err != nil:
				got = wantCode(t, tc.name, err, registry.CodeInvalidRequest).Message
			case p.Possible:
				got = p.Steps[0].String()
			case p.Blocked != nil:
				got = p.Blocked.Message
			}
			if !strings.Contains(got, tc.want) {
				t.Fatalf("plan = %+v, %v; want %q", p, err, tc.want)
			}
		})
	}
}

// countdownCtx is a context whose Err reports cancellation after left
// calls.
type countdownCtx struct {
	context.Context
	left atomic.Int64
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestPlanCancellation: a plan whose request is cancelled at any point
// of its search fails as cancelled instead of answering, also when every
// check's verdict is cached (no compatibility check runs to notice).
func TestPlanCancellation(t *testing.T) {
	e := newCacheEstate(t, 0, 1)
	refs := []registry.ServiceRef{ref("notification", "n2"), ref("orders", "a2")}
	if _, err := e.reg.Plan(ctx, "prod", refs); err != nil {
		t.Fatal(err)
	}
	for left := int64(0); ; left++ {
		c := &countdownCtx{Context: context.Background()}
		c.left.Store(left)
		p, err := e.reg.Plan(c, "prod", refs)
		if err == nil {
			if left == 0 || !p.Possible || p.Steps[0] != ref("orders", "a2") {
				t.Fatalf("with %d calls to Err before cancellation: %+v; want cancelled at first, then orders@a2 first", left, p)
			}
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled after %d calls to Err: %v; want context.Canceled", left, err)
		}
		if left > 100 {
			t.Fatal("plan still cancelled after 100 calls to Err")
		}
	}
}
