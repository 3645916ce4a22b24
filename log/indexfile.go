package log

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/skiffhq/skiff/log/vfs"
)

// indexFile is a file of fixed-size entries sorted by key: a segment's
// .index or .timeindex. While its segment is active the file is
// preallocated and mmap'd, and the appender writes entries straight into
// the mapping; otherwise it is read with pread, so idle segments cost no
// mapping and no descriptor.
//
// Entries are published by count: an entry is written before entries is
// advanced, and readers never look past entries, so a lookup concurrent
// with an append sees either the old or the new last entry, whole.
type indexFile struct {
	fs        vfs.FS
	path      string
	entrySize int

	// mu guards the mapping's lifetime: lookups and appends hold it shared;
	// mapping, unmapping, trimming and rewriting hold it exclusively.
	mu       sync.RWMutex
	mapping  []byte // the whole preallocated file while mapped
	capacity int64  // entries the mapping holds

	entries atomic.Int64 // valid entries; -1 until loaded from the file
}

func newIndexFile(fsys vfs.FS, path string, entrySize int) *indexFile {
	x := &indexFile{fs: fsys, path: path, entrySize: entrySize}
	x.entries.Store(-1)
	return x
}

// loaded reports whether the entry count is known.
func (x *indexFile) loaded() bool { return x.entries.Load() >= 0 }

// count is the number of valid entries (0 if not loaded).
func (x *indexFile) count() int64 { return max(x.entries.Load(), 0) }

// loadSize sets the entry count from the file size. It reports whether
// the file exists and whether its size is a whole number of entries; a
// missing file counts as an empty index.
func (x *indexFile) loadSize() (exists, sizeOK bool, err error) {
	info, err := x.fs.Stat(x.path)
	if errors.Is(err, fs.ErrNotExist) {
		x.entries.Store(0)
		return false, true, nil
	}
	if err != nil {
		return false, false, err
	}
	x.entries.Store(info.Size() / int64(x.entrySize))
	return true, info.Size()%int64(x.entrySize) == 0, nil
}

// setCount declares the number of valid entries (after a rebuild or a
// truncation that already rewrote the file).
func (x *indexFile) setCount(n int64) { x.entries.Store(n) }

// roomFor reports whether the mapping has room for n more entries. An
// unmapped index has room: it is mapped (and grown) before appending.
func (x *indexFile) roomFor(n int64) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.mapping == nil || x.count()+n <= x.capacity
}

// appendEntry writes one entry at the end. Only the appender calls it, on
// a mapped index with room (the segment rolls before it fills).
func (x *indexFile) appendEntry(e []byte) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := x.count()
	if x.mapping == nil || n >= x.capacity {
		return fmt.Errorf("index %s: no room for entry %d (capacity %d, mapped %t)", x.path, n, x.capacity, x.mapping != nil)
	}
	copy(x.mapping[n*int64(x.entrySize):], e)
	x.entries.Store(n + 1)
	return nil
}

// mapForAppend preallocates the file to capacityBytes (at least the
// existing entries) and maps it. The descriptor is closed right away; the
// mapping keeps the file.
func (x *indexFile) mapForAppend(capacityBytes int) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.mapping != nil {
		return nil
	}
	n := x.count()
	capEntries := max(int64(capacityBytes/x.entrySize), n, 1)
	size := capEntries * int64(x.entrySize)
	f, err := x.fs.OpenFile(x.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return err
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return &fs.PathError{Op: "mmap", Path: x.path, Err: err}
	}
	x.mapping, x.capacity = m, capEntries
	x.entries.Store(n)
	return nil
}

// mapped reports whether the index is currently mapped.
func (x *indexFile) mapped() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.mapping != nil
}

// unmap releases the mapping and, if trim, cuts the preallocated file to
// its valid entries (when the segment rolls or the log closes).
func (x *indexFile) unmap(trim bool) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	wasMapped := x.mapping != nil
	if wasMapped {
		if err := unix.Munmap(x.mapping); err != nil {
			return &fs.PathError{Op: "munmap", Path: x.path, Err: err}
		}
		x.mapping, x.capacity = nil, 0
	}
	if !trim || !wasMapped {
		return nil
	}
	return x.truncateFileLocked(x.count())
}

func (x *indexFile) truncateFileLocked(entries int64) error {
	f, err := x.fs.OpenFile(x.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	err = f.Truncate(entries * int64(x.entrySize))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// truncateTo keeps only the first n entries.
func (x *indexFile) truncateTo(n int64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	old := x.count()
	if n >= old {
		return nil
	}
	x.entries.Store(n)
	if x.mapping != nil {
		clear(x.mapping[n*int64(x.entrySize) : old*int64(x.entrySize)])
		return nil
	}
	return x.truncateFileLocked(n)
}

// rewrite replaces the whole file with data (a rebuilt index). The index
// must not be mapped.
func (x *indexFile) rewrite(data []byte) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.mapping != nil {
		return fmt.Errorf("index %s: rewrite while mapped", x.path)
	}
	f, err := x.fs.OpenFile(x.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	n, err := f.Write(data)
	if err == nil && n != len(data) {
		err = io.ErrShortWrite
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	x.entries.Store(int64(len(data) / x.entrySize))
	return nil
}

// sync makes the entries durable: msync while mapped, fsync otherwise.
func (x *indexFile) sync() error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.mapping != nil {
		if err := unix.Msync(x.mapping, unix.MS_SYNC); err != nil {
			return &fs.PathError{Op: "msync", Path: x.path, Err: err}
		}
		return nil
	}
	f, err := x.fs.OpenFile(x.path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readAll returns a copy of the valid entries.
func (x *indexFile) readAll() ([]byte, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := x.count() * int64(x.entrySize)
	if x.mapping != nil {
		return append([]byte(nil), x.mapping[:n]...), nil
	}
	if n == 0 {
		return nil, nil
	}
	f, err := x.fs.OpenFile(x.path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, 0); err != nil {
		return nil, err
	}
	return buf, nil
}

// lastEntry copies the last valid entry into out.
func (x *indexFile) lastEntry(out []byte) (bool, error) {
	found := false
	_, err := x.lastWhere(func([]byte) bool { return true }, out, &found)
	return found, err
}

// searchWindow is how many entries an unmapped binary search reads in one
// pread once the range is that small.
const searchWindow = 512

// lastWhere finds the last entry for which ok holds, where ok must hold
// for a prefix of the entries (keys are sorted). It copies that entry into
// out and returns its index, or -1 if ok holds for none.
func (x *indexFile) lastWhere(ok func(entry []byte) bool, out []byte, found *bool) (int64, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := x.count()
	es := int64(x.entrySize)
	if n == 0 {
		return -1, nil
	}
	if x.mapping != nil {
		i := int64(sort.Search(int(n), func(i int) bool { return !ok(x.mapping[int64(i)*es : int64(i+1)*es]) })) - 1
		if i >= 0 {
			copy(out, x.mapping[i*es:(i+1)*es])
			*found = true
		}
		return i, nil
	}
	f, err := x.fs.OpenFile(x.path, os.O_RDONLY, 0)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	return preadSearch(f, n, es, ok, out, found)
}

// preadSearch is lastWhere over a file: single-entry preads while the range
// is wide, then one pread of the remaining window.
func preadSearch(f vfs.File, n, es int64, ok func([]byte) bool, out []byte, found *bool) (int64, error) {
	lo, hi := int64(0), n // the answer is in [lo-1, hi-1]
	entry := make([]byte, es)
	for hi-lo > searchWindow {
		mid := lo + (hi-lo)/2
		if _, err := f.ReadAt(entry, mid*es); err != nil {
			return -1, err
		}
		if ok(entry) {
			lo = mid + 1
			copy(out, entry)
			*found = true
		} else {
			hi = mid
		}
	}
	window := make([]byte, (hi-lo)*es)
	if _, err := f.ReadAt(window, lo*es); err != nil {
		return -1, err
	}
	i := int64(sort.Search(int(hi-lo), func(i int) bool { return !ok(window[int64(i)*es : int64(i+1)*es]) }))
	if i > 0 {
		copy(out, window[(i-1)*es:i*es])
		*found = true
	}
	return lo + i - 1, nil
}
