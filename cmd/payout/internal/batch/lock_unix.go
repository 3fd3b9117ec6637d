//go:build unix

package batch

import (
	"errors"
	"os"
	"syscall"
)

// lock takes an exclusive advisory lock on f, released when f is closed
// (or the process dies), so that two batches never append to one state
// file at once.
func lock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errors.New("another payout batch is running with this state file; wait for it to finish")
	}
	return err
}
