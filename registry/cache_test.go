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
