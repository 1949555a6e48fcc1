package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/testredis"
	"github.com/batonhq/baton/registry"
)

func crashSchema(t *testing.T, title string) registry.Schema {
	t.Helper()
	text := `{"title":"` + title + `"}`
	fp, err := registry.Fingerprint(text, nil)
	if err != nil {
		t.Fatal(err)
	}
	return registry.Schema{Type: registry.SchemaTypeJSON, Text: text, Fingerprint: fp}
}

// TestCrashPointsInAppend replays the state a writer leaves when it dies
// between the steps of Append: nothing becomes visible that was not
// acknowledged, ids are never reused, and the next Append simply proceeds.
func TestCrashPointsInAppend(t *testing.T) {
	srv := testredis.Start(t)
	st := openTestStore(t, srv, "crash")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Died after INCR and the body write, before the fingerprint index:
	// the body is an orphan that SchemaByID must not serve.
	orphan := crashSchema(t, "orphan")
	id, err := st.rdb.Incr(ctx, st.k.nextID()).Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.rdb.Set(ctx, st.k.schema(id), `{"type":"JSON","text":"{}","references":null,"fingerprint":"`+orphan.Fingerprint+`"}`, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SchemaByID(ctx, id); registry.ErrorKind(err) != registry.KindNotFound {
		t.Fatalf("SchemaByID of an orphan body = %v, want not found", err)
	}
	v, existing, err := st.Append(ctx, "s", 0, orphan)
	if err != nil || existing || v.SchemaID <= id {
		t.Fatalf("Append after the orphan = %+v existing=%v %v; want a new id above %d", v, existing, err, id)
	}
	if got, err := st.SchemaByID(ctx, v.SchemaID); err != nil || got.Text != orphan.Text {
		t.Fatalf("SchemaByID(%d) = %+v, %v", v.SchemaID, got, err)
	}

	// Died after the fingerprint index, before the append script: the id
	// is registered but unused, and the next Append of that schema reuses it.
	pending := crashSchema(t, "pending")
	pid, err := st.allocate(ctx, pending)
	if err != nil {
		t.Fatal(err)
	}
	if vs, err := st.VersionsByID(ctx, pid); err != nil || len(vs) != 0 {
		t.Fatalf("VersionsByID of an allocated, unused id = %+v, %v; want none", vs, err)
	}
	v2, _, err := st.Append(ctx, "s", 1, pending)
	if err != nil || v2.SchemaID != pid || v2.Version != 2 {
		t.Fatalf("Append after an unfinished one = %+v, %v; want version 2 with id %d", v2, err, pid)
	}

	// Two writers registered the same new schema: the loser of SET NX
	// adopts the winner's id and drops its own body.
	racer := crashSchema(t, "racer")
	first, err := st.allocate(ctx, racer)
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.allocate(ctx, racer)
	if err != nil || second != first {
		t.Fatalf("second allocation of one fingerprint = %d, %v; want the winner's id %d", second, err, first)
	}
	if n, _ := st.rdb.Exists(ctx, st.k.schema(first+1)).Result(); n != 0 {
		t.Errorf("the losing allocation's body %d was left behind", first+1)
	}

	// A stale Append is refused before it allocates: no id is spent.
	before, _ := st.rdb.Get(ctx, st.k.nextID()).Int64()
	if _, _, err := st.Append(ctx, "s", 1, crashSchema(t, "stale")); err != registry.ErrStale {
		t.Fatalf("stale Append = %v, want ErrStale", err)
	}
	if after, _ := st.rdb.Get(ctx, st.k.nextID()).Int64(); after != before {
		t.Errorf("a stale Append moved the id counter from %d to %d", before, after)
	}
	v3, _, err := st.Append(ctx, "s", 2, crashSchema(t, "after-stale"))
	if err != nil || v3.Version != 3 || v3.SchemaID != before+1 {
		t.Fatalf("Append after a stale one = %+v, %v; want version 3 with id %d", v3, err, before+1)
	}
}
