package redisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/testredis"
	"github.com/batonhq/baton/registry"
)

// TestKeys pins every key string: keys are a stored format, so changing one
// is a data migration, not a refactoring.
func TestKeys(t *testing.T) {
	k := keys{prefix: "baton"}
	for _, tc := range []struct{ got, want string }{
		{k.meta("orders"), "baton:{orders}:meta"},
		{k.versions("orders"), "baton:{orders}:versions"},
		{k.fingerprints("orders"), "baton:{orders}:fp"},
		{k.config("orders"), "baton:{orders}:config"},
		{k.config(""), "baton:config"},
		{k.mode("orders"), "baton:{orders}:mode"},
		{k.mode(""), "baton:mode"},
		{k.referencedBy("orders", 3), "baton:{orders}:refby:3"},
		{k.nextID(), "baton:next-id"},
		{k.subjects(), "baton:subjects"},
		{k.schema(42), "baton:schema:42"},
		{k.fingerprint("ab12"), "baton:fp:ab12"},
		{k.idSubjects(42), "baton:id:42:subjects"},
		{k.versions("orders-value"), "baton:{orders-value}:versions"},
		{k.versions("a b/c:d"), "baton:{a b/c:d}:versions"},
		{k.versions("x{y}z"), "baton:{x%7By%7Dz}:versions"},
		{k.versions("}"), "baton:{%7D}:versions"},
		{k.versions("100%"), "baton:{100%25}:versions"},
		{k.versions("%7B"), "baton:{%257B}:versions"},
		{keys{prefix: "t1"}.meta("orders"), "t1:{orders}:meta"},
		{k.services(), "baton:{%services}:records"},
		{k.serviceIndex(), "baton:{%services}:by-subject"},
		{k.serviceRelations(), "baton:{%services}:relations"},
		{k.contracts("billing", "orders:v{1}"), "baton:{%services}:contracts:billing:orders:v{1}"},
		{hashTag(k.versions("%services")), "%25services"}, // no subject shares the services tag
		{k.auditSeq(), "baton:{%audit}:seq"},
		{k.auditLog(), "baton:{%audit}:log"},
		{hashTag(k.versions("%audit")), "%25audit"}, // no subject shares the audit tag
		{k.serviceVersions("orders"), "baton:{%deploy}:versions:orders"},
		{k.versionRewrites(), "baton:{%deploy}:rewrites"},
		{k.environments(), "baton:{%deploy}:envs"},
		{k.deployments("prod"), "baton:{%deploy}:deployments:prod"},
		{k.deploymentsGen("prod"), "baton:{%deploy}:deployments-gen:prod"},
		{hashTag(k.versions("%deploy")), "%25deploy"}, // no subject shares the deploy tag
	} {
		if tc.got != tc.want {
			t.Errorf("key = %q, want %q", tc.got, tc.want)
		}
	}
}

// hashTag is Redis Cluster's rule: the part between the first '{' and the
// next '}', if non-empty; otherwise the whole key.
func hashTag(key string) string {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return key
	}
	end := strings.IndexByte(key[open+1:], '}')
	if end <= 0 {
		return key
	}
	return key[open+1 : open+1+end]
}

// TestSubjectKeysShareOneSlot: whatever the subject contains, all of its
// keys have the same hash tag, and different subjects have different tags.
func TestSubjectKeysShareOneSlot(t *testing.T) {
	k := keys{prefix: "baton"}
	subjects := []string{"orders", "{", "}", "{}", "a}b{c", "{orders}", "%7B", "%", "x:y", "with space", "ünïcode"}
	tags := map[string]string{}
	for _, s := range subjects {
		all := []string{k.meta(s), k.versions(s), k.fingerprints(s), k.config(s), k.mode(s), k.referencedBy(s, 1), k.referencedBy(s, 99)}
		tag := hashTag(all[0])
		if tag == all[0] {
			t.Errorf("subject %q: key %q has no hash tag", s, all[0])
		}
		for _, key := range all[1:] {
			if hashTag(key) != tag {
				t.Errorf("subject %q: %q has tag %q, %q has %q", s, all[0], tag, key, hashTag(key))
			}
		}
		if other, dup := tags[tag]; dup {
			t.Errorf("subjects %q and %q share hash tag %q", other, s, tag)
		}
		tags[tag] = s
	}
	for _, g := range []string{k.nextID(), k.subjects(), k.schema(1), k.fingerprint("{x}"), k.idSubjects(1), k.config("")} {
		if strings.ContainsAny(g, "{}") && hashTag(g) != g {
			t.Errorf("global key %q has a hash tag %q", g, hashTag(g))
		}
	}
}

// TestStoredFormat pins what Append writes, field by field.
func TestStoredFormat(t *testing.T) {
	st := openTestStore(t, testredis.Start(t), "pin")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ref := registry.Reference{Name: "b.json", Subject: "base", Version: 1}
	s := registry.Schema{Type: "JSON", Text: `{"type":"string"}`, References: []registry.Reference{ref}, Fingerprint: "f00d"}
	v, _, err := st.Append(ctx, "a{b}", 0, s)
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != 1 || v.SchemaID != 1 {
		t.Fatalf("Append = %+v, want version 1 with id 1 on an empty store", v)
	}
	if err := st.DeleteVersion(ctx, "a{b}", 1, false); err != nil {
		t.Fatal(err)
	}
	get := func(key string) string {
		t.Helper()
		got, err := st.rdb.Get(ctx, key).Result()
		if err != nil {
			t.Fatalf("GET %s: %v", key, err)
		}
		return got
	}
	hash := func(key string) map[string]string {
		t.Helper()
		got, err := st.rdb.HGetAll(ctx, key).Result()
		if err != nil {
			t.Fatalf("HGETALL %s: %v", key, err)
		}
		return got
	}
	set := func(key string) string {
		t.Helper()
		got, err := st.rdb.SMembers(ctx, key).Result()
		if err != nil {
			t.Fatalf("SMEMBERS %s: %v", key, err)
		}
		return strings.Join(got, ",")
	}
	for _, tc := range []struct{ what, got, want string }{
		{"schema body", get("pin:schema:1"), `{"type":"JSON","text":"{\"type\":\"string\"}","references":[{"name":"b.json","subject":"base","version":1}],"fingerprint":"f00d"}`},
		{"fingerprint index", get("pin:fp:f00d"), "1"},
		{"id counter", get("pin:next-id"), "1"},
		{"version entry", hash("pin:{a%7Bb%7D}:versions")["1"], "1:1:f00d"},
		{"meta latest", hash("pin:{a%7Bb%7D}:meta")["latest"], "1"},
		{"meta count", hash("pin:{a%7Bb%7D}:meta")["count"], "1"},
		{"meta live", hash("pin:{a%7Bb%7D}:meta")["live"], "0"},
		{"subject index", set("pin:subjects"), "a{b}"},
		{"id users", set("pin:id:1:subjects"), "a{b}"},
		{"referenced by", set("pin:{base}:refby:1"), "1"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.what, tc.got, tc.want)
		}
	}
	if n, _ := st.rdb.Exists(ctx, "pin:{a%7Bb%7D}:fp").Result(); n != 0 {
		t.Errorf("the fingerprint index of a subject whose only version is soft-deleted still exists")
	}
}
