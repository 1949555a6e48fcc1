package registry

// Compiles reports how many schemas s has compiled (test-only accessor).
func Compiles(s *Registrar) int64 { return s.compiles.Load() }

// SnapshotEntries counts the snapshot cache's entries (test-only): the
// versions it holds and the relations its subject index holds.
func SnapshotEntries(s *Registrar) (versions, indexed int) {
	c := s.snapshots
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, cps := range c.bySubject {
		indexed += len(cps)
	}
	return len(c.byRef), indexed
}

// SnapshotCached reports whether the snapshot cache holds ref and how many
// of the subject index's entries are ref's (test-only).
func SnapshotCached(s *Registrar, ref ServiceRef) (cached bool, indexed int) {
	c := s.snapshots
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, cached = c.byRef[ref]
	for _, cps := range c.bySubject {
		for _, cp := range cps {
			if cp.ref == ref {
				indexed++
			}
		}
	}
	return cached, indexed
}

// SetPlanChecks sets the check budget of s's plans (test-only).
func SetPlanChecks(s *Registrar, n int) { s.planChecks = n }
