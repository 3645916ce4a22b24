package vfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"
)

// Op names a filesystem operation a Fault can target.
type Op uint8

// The operations FaultFS can fail.
const (
	OpOpen Op = iota + 1
	OpRead
	OpWrite
	OpSync
	OpTruncate
	OpRemove
	OpRename
	OpMkdir
	OpReadDir
	OpStat
	OpSyncDir
)

var opNames = [...]string{
	OpOpen: "open", OpRead: "read", OpWrite: "write", OpSync: "sync",
	OpTruncate: "truncate", OpRemove: "remove", OpRename: "rename",
	OpMkdir: "mkdir", OpReadDir: "readdir", OpStat: "stat", OpSyncDir: "syncdir",
}

func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// mutates reports whether the operation changes what is on disk; after a
// simulated crash those fail and change nothing.
func (o Op) mutates() bool {
	switch o {
	case OpWrite, OpSync, OpTruncate, OpRemove, OpRename, OpMkdir, OpSyncDir:
		return true
	}
	return false
}

// ErrCrashed is returned for every mutating operation after a simulated
// crash: the "process" is gone, so nothing more reaches the disk.
var ErrCrashed = errors.New("vfs: simulated crash")

// Fault describes operations FaultFS should fail.
type Fault struct {
	Op Op
	// Path selects the files: a substring of the path ("" matches all,
	// ".log" matches segment files).
	Path string
	// Skip lets this many matching operations succeed before the first
	// failure (Skip 2 fails the third write).
	Skip int
	// Times is how many matching operations fail; 0 means one, a negative
	// value means every one from then on.
	Times int
	// Err is the error returned; nil means EIO.
	Err error
	// ShortWrite, for OpWrite, writes this many bytes of the buffer before
	// failing, leaving a torn write on disk.
	ShortWrite int
}

type armedFault struct {
	Fault
	seen, fired int
}

func (a *armedFault) matches(op Op, path string) bool {
	return a.Op == op && strings.Contains(path, a.Path)
}

// exhausted reports whether the fault has failed as many times as asked.
func (a *armedFault) exhausted() bool {
	limit := a.Times
	if limit == 0 {
		limit = 1
	}
	return limit > 0 && a.fired >= limit
}

// FaultFS wraps another FS and fails operations on command. It models the
// failures storage must survive: ENOSPC and EIO on write, torn writes,
// failed fsyncs and truncates, and a crash that keeps only a prefix of what
// was written. It is safe for concurrent use.
type FaultFS struct {
	inner FS

	mu struct {
		sync.Mutex
		faults   []*armedFault
		crash    *crashPlan
		crashed  bool
		injected int
	}
}

// crashPlan lets remaining more bytes reach files whose path contains path;
// the write that crosses the budget is cut short and the crash happens.
type crashPlan struct {
	path      string
	remaining int64
}

// NewFaultFS wraps inner with no faults armed.
func NewFaultFS(inner FS) *FaultFS { return &FaultFS{inner: inner} }

// Inject arms a fault.
func (f *FaultFS) Inject(fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mu.faults = append(f.mu.faults, &armedFault{Fault: fault})
}

// CrashAfter lets n more bytes be written to files whose path contains
// path, then crashes: the write crossing the budget keeps only its first
// bytes, and every mutating operation after it fails with ErrCrashed.
func (f *FaultFS) CrashAfter(path string, n int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mu.crash = &crashPlan{path: path, remaining: n}
}

// Crash crashes now.
func (f *FaultFS) Crash() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mu.crashed = true
}

// Crashed reports whether the simulated crash has happened.
func (f *FaultFS) Crashed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mu.crashed
}

// Injected is how many operations have failed on purpose so far.
func (f *FaultFS) Injected() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mu.injected
}

// Reset disarms every fault and undoes the crash, like restarting the
// process on the same disk.
func (f *FaultFS) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mu.faults, f.mu.crash, f.mu.crashed = nil, nil, false
}

// check decides the fate of one operation: nil to let it through, or the
// error to return and, for a write, how many bytes to write first.
func (f *FaultFS) check(op Op, path string) (error, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mu.crashed && op.mutates() {
		return ErrCrashed, 0
	}
	for _, a := range f.mu.faults {
		if !a.matches(op, path) || a.exhausted() {
			continue
		}
		if a.seen < a.Skip {
			a.seen++
			continue
		}
		a.fired++
		f.mu.injected++
		err := a.Err
		if err == nil {
			err = syscall.EIO
		}
		return err, a.ShortWrite
	}
	return nil, 0
}

// crashBudget returns how many of n bytes being written to path may reach
// the disk; fewer than n means the crash happens during this write.
func (f *FaultFS) crashBudget(path string, n int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.mu.crash
	if c == nil || !strings.Contains(path, c.path) {
		return n
	}
	if int64(n) <= c.remaining {
		c.remaining -= int64(n)
		return n
	}
	allowed := int(c.remaining)
	c.remaining = 0
	f.mu.crash = nil
	f.mu.crashed = true
	return allowed
}

func pathErr(op Op, path string, err error) error {
	return &fs.PathError{Op: op.String(), Path: path, Err: err}
}

// OpenFile opens through the inner FS. Opening with O_CREATE or O_TRUNC
// counts as a mutation after a crash.
func (f *FaultFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	op := OpOpen
	if err, _ := f.check(op, name); err != nil {
		return nil, pathErr(op, name, err)
	}
	if flag&(os.O_CREATE|os.O_TRUNC) != 0 && f.Crashed() {
		return nil, pathErr(op, name, ErrCrashed)
	}
	inner, err := f.inner.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: inner, fs: f, name: name}, nil
}

// Remove removes through the inner FS unless a fault says otherwise.
func (f *FaultFS) Remove(name string) error {
	if err, _ := f.check(OpRemove, name); err != nil {
		return pathErr(OpRemove, name, err)
	}
	return f.inner.Remove(name)
}

// RemoveAll removes a tree through the inner FS unless a fault says otherwise.
func (f *FaultFS) RemoveAll(path string) error {
	if err, _ := f.check(OpRemove, path); err != nil {
		return pathErr(OpRemove, path, err)
	}
	return f.inner.RemoveAll(path)
}

// Rename renames through the inner FS unless a fault says otherwise.
func (f *FaultFS) Rename(oldpath, newpath string) error {
	if err, _ := f.check(OpRename, oldpath); err != nil {
		return &os.LinkError{Op: OpRename.String(), Old: oldpath, New: newpath, Err: err}
	}
	return f.inner.Rename(oldpath, newpath)
}

// MkdirAll creates directories through the inner FS unless a fault says otherwise.
func (f *FaultFS) MkdirAll(path string, perm fs.FileMode) error {
	if err, _ := f.check(OpMkdir, path); err != nil {
		return pathErr(OpMkdir, path, err)
	}
	return f.inner.MkdirAll(path, perm)
}

// ReadDir lists through the inner FS unless a fault says otherwise.
func (f *FaultFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err, _ := f.check(OpReadDir, name); err != nil {
		return nil, pathErr(OpReadDir, name, err)
	}
	return f.inner.ReadDir(name)
}

// Stat describes a path through the inner FS unless a fault says otherwise.
func (f *FaultFS) Stat(name string) (fs.FileInfo, error) {
	if err, _ := f.check(OpStat, name); err != nil {
		return nil, pathErr(OpStat, name, err)
	}
	return f.inner.Stat(name)
}

// SyncDir fsyncs a directory through the inner FS unless a fault says otherwise.
func (f *FaultFS) SyncDir(dir string) error {
	if err, _ := f.check(OpSyncDir, dir); err != nil {
		return pathErr(OpSyncDir, dir, err)
	}
	return f.inner.SyncDir(dir)
}

// faultFile routes a file's operations through its FaultFS.
type faultFile struct {
	File
	fs   *FaultFS
	name string
}

func (f *faultFile) ReadAt(p []byte, off int64) (int, error) {
	if err, _ := f.fs.check(OpRead, f.name); err != nil {
		return 0, pathErr(OpRead, f.name, err)
	}
	return f.File.ReadAt(p, off)
}

func (f *faultFile) WriteAt(p []byte, off int64) (int, error) {
	return f.write(p, func(b []byte) (int, error) { return f.File.WriteAt(b, off) })
}

func (f *faultFile) Write(p []byte) (int, error) {
	return f.write(p, f.File.Write)
}

// writeOutcome applies armed faults and the crash budget to one write:
// how many bytes may reach the file, and the error to return after them.
func (f *FaultFS) writeOutcome(name string, p []byte) (allowed int, err error) {
	if err, short := f.check(OpWrite, name); err != nil {
		return min(max(short, 0), len(p)), err
	}
	allowed = f.crashBudget(name, len(p))
	if allowed < len(p) {
		return allowed, ErrCrashed
	}
	return allowed, nil
}

func (f *faultFile) write(p []byte, do func([]byte) (int, error)) (int, error) {
	allowed, ferr := f.fs.writeOutcome(f.name, p)
	if ferr == nil {
		return do(p)
	}
	n := 0
	if allowed > 0 {
		var err error
		if n, err = do(p[:allowed]); err != nil {
			return n, err
		}
	}
	return n, pathErr(OpWrite, f.name, ferr)
}

func (f *faultFile) Truncate(size int64) error {
	if err, _ := f.fs.check(OpTruncate, f.name); err != nil {
		return pathErr(OpTruncate, f.name, err)
	}
	return f.File.Truncate(size)
}

func (f *faultFile) Sync() error {
	if err, _ := f.fs.check(OpSync, f.name); err != nil {
		return pathErr(OpSync, f.name, err)
	}
	return f.File.Sync()
}
