package boltstore

import (
	"errors"
	"syscall"

	berrors "go.etcd.io/bbolt/errors"
)

// diskProblem names, for an operator, why the data file refused a write:
// the causes a 503 should spell out because they need a person (free
// space, a writable file system), not a retry loop.
func diskProblem(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return "no space left on the disk holding the data file; free space, then retry (nothing was written)"
	case errors.Is(err, berrors.ErrDatabaseReadOnly), errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return "the data file is read-only; make it writable, then retry (nothing was written)"
	case errors.Is(err, syscall.EIO):
		return "the disk holding the data file reported an I/O error"
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return "the data file is closed (the server is shutting down)"
	}
	return ""
}
