package boltstore

import (
	"errors"
	"fmt"
	"syscall"

	berrors "go.etcd.io/bbolt/errors"
)

// diskProblem names, for an operator, why the data file refused a write:
// the causes a 503 should spell out because they need a person (free
// space, a writable file system), not a retry loop.
func diskProblem(err error, file string) string {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Sprintf("no space left on the disk holding the data file %s; free space, then retry (nothing was written)", file)
	case errors.Is(err, berrors.ErrDatabaseReadOnly), isReadOnlyFile(err):
		return fmt.Sprintf("the data file %s is read-only; make it writable, then retry (a server that opened it read-only needs a restart; nothing was written)", file)
	case errors.Is(err, syscall.EIO):
		return fmt.Sprintf("the disk holding the data file %s reported an I/O error", file)
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return "the data file is closed (the server is shutting down)"
	}
	return ""
}

// isReadOnlyFile reports whether err is the file or its file system
// refusing to be written.
func isReadOnlyFile(err error) bool {
	return errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}
