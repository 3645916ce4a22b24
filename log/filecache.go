package log

import (
	"container/list"
	"errors"
	"os"
	"sync"

	"github.com/skiffhq/skiff/log/vfs"
)

// FileCache bounds how many segment files are open at once across every
// Log sharing it: with tens of thousands of partitions, keeping each
// segment's file open would exhaust the descriptor limit. Files not in use
// are closed least-recently-used first and reopened on the next access; a
// file in use (a read or append in progress) is never closed under its
// user, so the cache may briefly exceed its capacity.
type FileCache struct {
	capacity int

	mu struct {
		sync.Mutex
		lru *list.List // of *segmentFile, most recently used at the front
	}
}

// NewFileCache returns a cache that keeps at most capacity files open when
// none is in use. capacity < 1 means 1.
func NewFileCache(capacity int) *FileCache {
	c := &FileCache{capacity: max(capacity, 1)}
	c.mu.lru = list.New()
	return c
}

// Open reports how many files the cache currently holds open.
func (c *FileCache) Open() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.lru.Len()
}

// touch records a use of sf, adding it if it was just opened, and closes
// idle files beyond capacity. Lock order: cache.mu before segmentFile.mu.
func (c *FileCache) touch(sf *segmentFile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sf.isClosed() {
		return // closed for good after its user opened it; never cache it again
	}
	if sf.elem == nil {
		sf.elem = c.mu.lru.PushFront(sf)
	} else {
		c.mu.lru.MoveToFront(sf.elem)
	}
	for e := c.mu.lru.Back(); e != nil && c.mu.lru.Len() > c.capacity; {
		prev := e.Prev()
		if victim := e.Value.(*segmentFile); victim.closeIfIdle() {
			c.mu.lru.Remove(e)
			victim.elem = nil
		}
		e = prev
	}
}

// forget drops sf from the cache (its file is being closed for good).
func (c *FileCache) forget(sf *segmentFile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sf.elem != nil {
		c.mu.lru.Remove(sf.elem)
		sf.elem = nil
	}
}

var errFileClosed = errors.New("segment file closed")

// segmentFile is one segment's .log file, opened on first use and shared
// by the appender and concurrent readers. Users acquire it, use the
// returned File, and release it; the descriptor stays valid in between.
type segmentFile struct {
	fs    vfs.FS
	path  string
	cache *FileCache // nil: keep the file open until closed

	mu struct {
		sync.Mutex
		f      vfs.File
		refs   int
		closed bool // closed for good: acquire fails, last release closes
	}
	// elem is the file's place in cache's LRU, guarded by cache.mu.
	elem *list.Element
}

func newSegmentFile(fsys vfs.FS, path string, cache *FileCache) *segmentFile {
	return &segmentFile{fs: fsys, path: path, cache: cache}
}

// acquire returns the open file, opening it if needed. The caller must
// call release when done.
func (sf *segmentFile) acquire() (vfs.File, error) {
	sf.mu.Lock()
	if sf.mu.closed {
		sf.mu.Unlock()
		return nil, errFileClosed
	}
	if sf.mu.f == nil {
		f, err := sf.fs.OpenFile(sf.path, os.O_RDWR, 0)
		if err != nil {
			sf.mu.Unlock()
			return nil, err
		}
		sf.mu.f = f
	}
	sf.mu.refs++
	f := sf.mu.f
	sf.mu.Unlock()
	if sf.cache != nil {
		sf.cache.touch(sf)
	}
	return f, nil
}

// release ends a use started by acquire.
func (sf *segmentFile) release() {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	sf.mu.refs--
	if sf.mu.refs == 0 && sf.mu.closed && sf.mu.f != nil {
		_ = sf.mu.f.Close()
		sf.mu.f = nil
	}
}

// closeIfIdle closes the descriptor if nobody is using it and reports
// whether the file is now closed (so the cache can drop it).
func (sf *segmentFile) closeIfIdle() bool {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if sf.mu.refs > 0 {
		return false
	}
	if sf.mu.f != nil {
		_ = sf.mu.f.Close()
		sf.mu.f = nil
	}
	return true
}

// closeIdle closes the descriptor now if nobody is using it (it reopens
// on the next acquire).
func (sf *segmentFile) closeIdle() {
	if sf.closeIfIdle() && sf.cache != nil {
		sf.cache.forget(sf)
	}
}

// isOpen reports whether the descriptor is currently open (for tests and
// the idle-resource accounting).
func (sf *segmentFile) isOpen() bool {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	return sf.mu.f != nil
}

func (sf *segmentFile) isClosed() bool {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	return sf.mu.closed
}

// close closes the file for good; a use in progress keeps the descriptor
// until its release. It marks the file closed before leaving the cache, so
// a concurrent touch either sees the mark or is undone by forget.
func (sf *segmentFile) close() error {
	err := sf.markClosed()
	if sf.cache != nil {
		sf.cache.forget(sf)
	}
	return err
}

func (sf *segmentFile) markClosed() error {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	sf.mu.closed = true
	if sf.mu.refs > 0 || sf.mu.f == nil {
		return nil
	}
	err := sf.mu.f.Close()
	sf.mu.f = nil
	return err
}
