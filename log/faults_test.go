package log

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/skiffhq/skiff/log/vfs"
)

func faultLog(t *testing.T, dir string) (*Log, *vfs.FaultFS, Options) {
	t.Helper()
	ffs := vfs.NewFaultFS(vfs.OS())
	opts := testOptions(t, dir, smallConfig())
	opts.FS = ffs
	return openTestLog(t, opts), ffs, opts
}

func segmentFileSizes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, s := range layoutOf(t, dir) {
		info, err := os.Stat(s.path)
		if err != nil {
			t.Fatal(err)
		}
		out[s.path] = info.Size()
	}
	return out
}

func TestENOSPCDuringAppend(t *testing.T) {
	for _, short := range []int{0, 50} {
		name := map[int]string{0: "nothing written", 50: "torn write cut back"}[short]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			l, ffs, opts := faultLog(t, dir)
			for i := range 5 {
				mustAppend(t, l, buildBatch(plainBatch(2, int64(i))), 1)
			}
			before := segmentFileSizes(t, dir)
			ffs.Inject(vfs.Fault{Op: vfs.OpWrite, Path: ".log", Err: syscall.ENOSPC, ShortWrite: short})
			_, err := l.AppendAsLeader(buildBatch(plainBatch(2, 99)), 1)
			if !errors.Is(err, ErrStorage) || !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("append on a full disk: %v", err)
			}
			if l.EndOffset() != 10 {
				t.Fatalf("log end moved to %d", l.EndOffset())
			}
			if after := segmentFileSizes(t, dir); len(after) != len(before) || after[layoutOf(t, dir)[0].path] != before[layoutOf(t, dir)[0].path] {
				t.Fatalf("segment sizes changed: %v -> %v", before, after)
			}
			checkContiguous(t, readAll(t, l), 0, 10)
			// Space is back: the log carries on where it was.
			res := mustAppend(t, l, buildBatch(plainBatch(2, 100)), 1)
			if res.FirstOffset != 10 {
				t.Fatalf("append after ENOSPC at %d", res.FirstOffset)
			}
			crashClose(l)
			opts.FS = vfs.OS()
			l2 := openTestLog(t, opts)
			defer l2.Close()
			if r := l2.Recovery(); r.Truncation != nil {
				t.Fatalf("nothing should need repair: %v", r.Truncation)
			}
			checkContiguous(t, readAll(t, l2), 0, 12)
		})
	}
}

func TestFailedTruncateAfterTornWriteFailsTheLog(t *testing.T) {
	dir := t.TempDir()
	l, ffs, opts := faultLog(t, dir)
	for i := range 3 {
		mustAppend(t, l, buildBatch(plainBatch(2, int64(i))), 1)
	}
	ffs.Inject(vfs.Fault{Op: vfs.OpWrite, Path: ".log", Err: syscall.EIO, ShortWrite: 40})
	ffs.Inject(vfs.Fault{Op: vfs.OpTruncate, Path: ".log", Err: syscall.EIO})
	if _, err := l.AppendAsLeader(buildBatch(plainBatch(2, 9)), 1); !errors.Is(err, ErrStorage) {
		t.Fatalf("append: %v", err)
	}
	if _, err := l.AppendAsLeader(buildBatch(plainBatch(2, 9)), 1); !errors.Is(err, ErrStorage) {
		t.Fatalf("append to a failed log: %v", err)
	}
	if _, err := l.Read(0, 1000, 10, true); !errors.Is(err, ErrStorage) {
		t.Fatalf("read from a failed log: %v", err)
	}
	if l.Failed() == nil {
		t.Fatal("log not marked failed")
	}
	_ = l.Close()
	// The torn 40 bytes are on disk; an unclean reopen cuts them off.
	opts.FS = vfs.OS()
	l2 := openTestLog(t, opts)
	defer l2.Close()
	r := l2.Recovery()
	if r.Truncation == nil || r.TruncatedBytes != 40 || l2.EndOffset() != 6 {
		t.Fatalf("report %+v, end %d", r, l2.EndOffset())
	}
	checkContiguous(t, readAll(t, l2), 0, 6)
}

// TestCrashKeepsAPrefix lets only part of the write stream reach the disk
// and checks that recovery keeps exactly the batches written whole.
func TestCrashKeepsAPrefix(t *testing.T) {
	for _, budget := range []int64{0, 100, 1234, 5000, 9999} {
		dir := t.TempDir()
		l, ffs, opts := faultLog(t, dir)
		ffs.CrashAfter(".log", budget)
		var written int64
		var whole []int64 // log end after each batch that fully reached the disk
		for i := range 40 {
			raw := buildBatch(plainBatch(2, int64(i)))
			if _, err := l.AppendAsLeader(raw, 1); err != nil {
				if !errors.Is(err, ErrStorage) {
					t.Fatalf("budget %d: append failed with %v", budget, err)
				}
				break
			}
			written += int64(len(raw))
			whole = append(whole, l.EndOffset())
		}
		if !ffs.Crashed() {
			t.Fatalf("budget %d: no crash", budget)
		}
		crashClose(l)
		opts.FS = vfs.OS()
		l2 := openTestLog(t, opts)
		want := int64(0)
		if len(whole) > 0 {
			want = whole[len(whole)-1]
		}
		if l2.EndOffset() != want {
			t.Fatalf("budget %d: recovered end %d, want %d", budget, l2.EndOffset(), want)
		}
		torn := budget - written
		if r := l2.Recovery(); (torn > 0) != (r.Truncation != nil) || r.TruncatedBytes != torn {
			t.Fatalf("budget %d: %d torn bytes, report %+v", budget, torn, r)
		}
		checkContiguous(t, readAll(t, l2), 0, want)
		l2.Close()
	}
}

func TestFailedFsyncFailsTheLog(t *testing.T) {
	l, ffs, _ := faultLog(t, t.TempDir())
	mustAppend(t, l, buildBatch(plainBatch(2, 0)), 1)
	ffs.Inject(vfs.Fault{Op: vfs.OpSync, Path: ".log"})
	if err := l.Flush(); !errors.Is(err, ErrStorage) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("flush: %v", err)
	}
	if l.RecoveryPoint() != 0 {
		t.Fatalf("recovery point moved to %d", l.RecoveryPoint())
	}
	if _, err := l.AppendAsLeader(buildBatch(plainBatch(1, 0)), 1); !errors.Is(err, ErrStorage) {
		t.Fatalf("append after failed fsync: %v", err)
	}
	_ = l.Close()
}

func TestFlushMessagesForcesFsync(t *testing.T) {
	cfg := smallConfig()
	cfg.FlushMessages = 4
	opts := testOptions(t, t.TempDir(), cfg)
	l := openTestLog(t, opts)
	defer l.Close()
	mustAppend(t, l, buildBatch(plainBatch(2, 0)), 1)
	if l.RecoveryPoint() != 0 {
		t.Fatalf("flushed after 2 messages")
	}
	mustAppend(t, l, buildBatch(plainBatch(2, 0)), 1)
	if l.RecoveryPoint() != 4 {
		t.Fatalf("recovery point %d after 4 messages with flush.messages=4", l.RecoveryPoint())
	}
}
