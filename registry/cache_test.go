package registry

import (
	"fmt"
	"sync"
	"testing"
)

func TestLRUEvictsLeastRecentlyUsed(t *testing.T) {
	c := newLRU[int, string](3)
	for i := 1; i <= 3; i++ {
		c.Add(i, fmt.Sprint(i))
	}
	if v, ok := c.Get(1); !ok || v != "1" { // 1 becomes most recent
		t.Fatalf("Get(1) = %q, %v", v, ok)
	}
	c.Add(4, "4") // evicts 2, the least recently used
	if _, ok := c.Get(2); ok {
		t.Error("2 was not evicted")
	}
	for _, k := range []int{1, 3, 4} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%d was evicted", k)
		}
	}
	c.Add(3, "three") // refresh, no growth
	if v, _ := c.Get(3); v != "three" || c.Len() != 3 {
		t.Errorf("refresh: Get(3) = %q, Len = %d", v, c.Len())
	}
}

func TestLRUDefaultSizeAndConcurrency(t *testing.T) {
	c := newLRU[int, int](0)
	if c.max != DefaultCacheSize {
		t.Errorf("size 0 -> max %d, want %d", c.max, DefaultCacheSize)
	}
	small := newLRU[int, int](64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				small.Add(g*1000+i, i)
				small.Get(i)
			}
		})
	}
	wg.Wait()
	if small.Len() != 64 || len(small.items) != 64 {
		t.Errorf("Len = %d, map %d, want 64", small.Len(), len(small.items))
	}
}

func TestSizedLRUBoundsTotalSize(t *testing.T) {
	size := func(s string) int64 { return int64(len(s)) }
	c := newSizedLRU[int](100, 10, size)
	c.Add(1, "aaaa")
	c.Add(2, "bbbb")
	c.Add(3, "cc") // total 10: all fit
	if c.Len() != 3 || c.total != 10 {
		t.Fatalf("Len = %d, total = %d; want 3, 10", c.Len(), c.total)
	}
	c.Get(1)        // 2 is now least recently used
	c.Add(4, "ddd") // 13 > 10: evicts 2
	if _, ok := c.Get(2); ok || c.total != 9 {
		t.Errorf("after Add(4): 2 kept = %v, total = %d; want evicted, 9", ok, c.total)
	}
	c.Add(1, "a") // a refresh that shrinks adjusts the total
	if c.total != 6 {
		t.Errorf("after refresh: total = %d, want 6", c.total)
	}
	c.Add(5, "an entry larger than the whole budget") // kept alone: the newest entry always stays
	if v, ok := c.Get(5); !ok || c.Len() != 1 || c.total != size(v) {
		t.Errorf("oversize entry: kept = %v, Len = %d, total = %d", ok, c.Len(), c.total)
	}
	if d := newSizedLRU[int](0, 0, size); d.maxSize != DefaultCacheBytes || d.max != DefaultCacheSize {
		t.Errorf("zero bounds -> %d entries, %d bytes; want the defaults", d.max, d.maxSize)
	}
}
