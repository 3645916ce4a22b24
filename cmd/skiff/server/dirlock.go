package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// lockFileName is the lock file Kafka also keeps in every log dir.
const lockFileName = ".lock"

// dirLock holds an exclusive flock on a log dir for the life of the node,
// so two processes never run on the same data (the second one fails at
// start with a clear message). The kernel drops the lock when the process
// dies, so a crash never leaves a stale lock behind.
type dirLock struct {
	dir string
	f   *os.File
}

func lockDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("log dir %s is in use by another process (%s is locked); stop it or pick another --log-dirs", dir, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &dirLock{dir: dir, f: f}, nil
}

func (l *dirLock) release() error {
	if err := unix.Flock(int(l.f.Fd()), unix.LOCK_UN); err != nil {
		l.f.Close()
		return fmt.Errorf("unlock %s: %w", l.dir, err)
	}
	return l.f.Close()
}
