//go:build !unix

package batch

import "os"

// lock is a no-op where flock(2) does not exist: do not run two batches on
// one state file at once there.
func lock(*os.File) error { return nil }
