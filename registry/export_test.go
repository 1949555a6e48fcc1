package registry

// Compiles reports how many schemas s has compiled (test-only accessor).
func Compiles(s *Registrar) int64 { return s.compiles.Load() }
